using Spectre.Console;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// A live display of a long run (Spectre.Console progress, one line per task) on an interactive terminal; where
/// the output is redirected or JSON, the work runs without one.
/// </summary>
public static class LiveProgress
{
    public static bool Available(string format) =>
        string.Equals(format, "table", StringComparison.OrdinalIgnoreCase)
        && !Console.IsOutputRedirected
        && AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task<T> RunAsync<T>(bool enabled, Func<IProgress<RunProgress>?, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!enabled)
        {
            return await work(null);
        }

        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(context => work(new Sink(context)));
    }

    /// <summary>Reports may come from several threads at once; each task is created on its first report.</summary>
    private sealed class Sink(ProgressContext context) : IProgress<RunProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

        public void Report(RunProgress value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Task, out var task))
                {
                    task = context.AddTask(value.Task, maxValue: 1);
                    _tasks.Add(value.Task, task);
                }

                task.Description = Markup.Escape($"{value.Task}: {value.Status}");
                task.Value = Math.Clamp(value.Fraction, 0, 1);
                if (value.Fraction >= 1)
                {
                    task.StopTask();
                }
            }
        }
    }
}
