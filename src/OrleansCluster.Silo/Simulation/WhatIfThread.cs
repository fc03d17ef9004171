using System.Runtime.InteropServices;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// The thread one what-if evaluation runs on: its own (not the thread pool's, where the silo's grains run), started
/// at a lower priority than the live job's threads, so that the job takes the cores first and the evaluation has
/// what it leaves. On Linux the priority is the thread's nice value (<c>Thread.Priority</c> does nothing there);
/// elsewhere <see cref="ThreadPriority.BelowNormal"/> (nice 1 to 9) or <see cref="ThreadPriority.Lowest"/> (10 to 19).
/// </summary>
internal static class WhatIfThread
{
    private const int PrioProcess = 0;

    /// <summary>
    /// Runs <paramref name="work"/> on a new background thread at <paramref name="nice"/>: its result, its exception or
    /// its cancellation. Where the priority cannot be lowered the work runs all the same, and <paramref name="notLowered"/> says why.
    /// </summary>
    public static Task<T> Run<T>(Func<T> work, int nice, Action<string> notLowered, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (Lower(nice) is { } why)
                {
                    notLowered(why);
                }

                done.SetResult(work());
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                done.SetCanceled(cancellationToken);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "what-if",
        };
        thread.Start();
        return done.Task;
    }

    // Raising one's own nice value needs no privilege; on Linux 'who' 0 is the calling thread, not the whole process.
    // Null when it took, else why not.
    private static string? Lower(int nice)
    {
        if (nice <= 0)
        {
            return null;
        }

        if (OperatingSystem.IsLinux())
        {
            try
            {
                return SetPriority(PrioProcess, 0, nice) == 0 ? null : $"setpriority(nice {nice}) failed with errno {Marshal.GetLastPInvokeError()}";
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return $"setpriority is not there ({e.GetType().Name}: a C library that does not resolve as libc)"; // the what-if runs all the same
            }
        }

        Thread.CurrentThread.Priority = nice >= 10 ? ThreadPriority.Lowest : ThreadPriority.BelowNormal;
        return null;
    }

    // DllImport, not LibraryImport (which needs AllowUnsafeBlocks): every argument is blittable.
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, uint who, int prio);
}
