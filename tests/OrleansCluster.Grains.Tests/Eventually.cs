namespace OrleansCluster.Grains.Tests;

/// <summary>Waits on a condition with a deadline that holds on two loaded cores, never on elapsed time.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms, failing with <paramref name="what"/> after 60 s.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 60 s for {what}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <inheritdoc cref="WaitForAsync(Func{Task{bool}}, string)"/>
    public static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);
}
