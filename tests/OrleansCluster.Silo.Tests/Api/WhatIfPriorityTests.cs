using System.Globalization;
using System.Net;
using System.Text;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>POST /api/whatif</c> off the live job's path: an evaluation runs on a thread of its own at <c>WhatIf:Nice</c>
/// (below the job's threads, so that the job keeps its cores), one beyond <c>WhatIf:MaxConcurrent</c> is refused 429
/// naming the setting, and a nice value out of range stops the silo at start. Found by probing: on the thread pool at
/// the job's priority, one 10,000-step evaluation took a live job at max pace from 2,972 to 1,111 steps/s on 2 cores.
/// </summary>
public sealed class WhatIfPriorityTests : IAsyncLifetime
{
    private const string Nice = "15";

    private readonly SiloFactory _factory = new()
    {
        Scenario = "small",
        Settings = new Dictionary<string, string>
        {
            ["WhatIf:MaxConcurrent"] = "1",
            ["WhatIf:Nice"] = Nice,
            ["WhatIf:MaxNodeSteps"] = "400000000",
            ["WhatIf:MaxSteps"] = "10000000",
        },
    };

    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        _client.Timeout = Timeout.InfiniteTimeSpan; // the long evaluation is cancelled by the test, not cut at 100 s
        var (status, _, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task AnEvaluationRunsOnAThreadOfItsOwnAtWhatIfNiceAndASecondIsRefusedNamingTheBound()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the nice value is read from /proc (Linux)");
        var before = await _client.GetJsonAsync("/api/scenario");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(AdminClient.Ct);
        var running = _client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/api/whatif")
            {
                Content = new StringContent("""{ "variants": [ { "name": "long" } ], "steps": 10000000 }""", Encoding.UTF8, "application/json"),
            },
            cancel.Token);

        // The evaluation's thread, named what-if, at the configured nice value (the job's threads are at 0).
        var started = DateTime.UtcNow.AddSeconds(120);
        while (!WhatIfThreadNices().Contains(int.Parse(Nice, CultureInfo.InvariantCulture)) && !running.IsCompleted && DateTime.UtcNow < started)
        {
            await Task.Delay(20, AdminClient.Ct);
        }

        if (running.IsCompleted)
        {
            using var ended = await running;
            Assert.Fail($"the long evaluation ended: {(int)ended.StatusCode} {await ended.Content.ReadAsStringAsync(AdminClient.Ct)}");
        }

        var nices = WhatIfThreadNices();
        Assert.True(nices.Contains(int.Parse(Nice, CultureInfo.InvariantCulture)), $"no thread named what-if at nice {Nice} while the evaluation runs (what-if threads at: [{string.Join(", ", nices)}])");

        // One beyond WhatIf:MaxConcurrent: 429, problem details naming the bound, Retry-After; nothing changed.
        var (status, body, response) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "quick" } ], "steps": 1 }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, body.GetProperty("status").GetInt32());
        Assert.Contains("1 what-if evaluation(s) already running (WhatIf:MaxConcurrent)", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(before.GetRawText(), (await _client.GetJsonAsync("/api/scenario")).GetRawText());

        // Cancelled with its request, the evaluation's thread ends, and the slot is free again.
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var freed = DateTime.UtcNow.AddSeconds(120); // a deadline of its own: the first wait may have used most of its own
        do
        {
            (status, _, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "quick" } ], "steps": 1 }""");
        }
        while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < freed);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("20")]
    public async Task ANiceOutOfRangeStopsTheSiloAtStart(string value)
    {
        await using var factory = new SiloFactory { Settings = new Dictionary<string, string> { ["WhatIf:Nice"] = value } };

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Nice", error.ToString(), StringComparison.Ordinal);
    }

    // The nice value of every thread of this process named what-if (field 19 of /proc/self/task/TID/stat).
    private static List<int> WhatIfThreadNices()
    {
        var nices = new List<int>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != "what-if")
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                nices.Add(int.Parse(fields[16], CultureInfo.InvariantCulture)); // fields[0] is the state, field 3
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return nices;
    }
}
