using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// Cluster mode with real processes on 127.0.0.1: Redis and two silos. The silo that hosts the job is killed with
/// SIGKILL mid-run; the survivor notices, the job comes back there from its durable record and steps again, and
/// the faults injected before the kill are still listed and still in force.
/// </summary>
public sealed class SiloFailureTests : IAsyncLifetime
{
    private const string Key = "cluster-test-key";
    private readonly int _redisPort = ManagedProcess.FreePort();
    private readonly Dictionary<int, (int HttpPort, ManagedProcess Process)> _silos = [];
    private readonly string _cluster = $"failure-{Guid.NewGuid():N}";
    private ManagedProcess? _redis;

    public async ValueTask InitializeAsync()
    {
        _redis = ManagedProcess.Start(ManagedProcess.Tool("redis-server", "redis-server"),
            ["--port", Port(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        for (var i = 0; i < 2; i++)
        {
            await StartSiloAsync();
        }

        // Loaded once both silos are up, so that the 21 blocks (16 nodes each), in shards of 4, spread over both.
        using var client = Client(_silos.Values.First().HttpPort);
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":20}""");
    }

    // One more silo of the cluster, on free ports; returns its silo port.
    private async Task<int> StartSiloAsync()
    {
        var http = ManagedProcess.FreePort();
        var siloPort = ManagedProcess.FreePort();
        var process = ManagedProcess.StartSilo(http,
        [
            "--Admin:ApiKey", Key, "--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:BlockSize", "16", "--Simulation:BlocksPerShard", "4", "--Simulation:StartOnLaunch", "false",
            "--Orleans:Clustering", "Redis", "--Orleans:Redis", $"127.0.0.1:{_redisPort}", "--Orleans:ClusterId", _cluster,
            "--Orleans:SiloPort", Port(siloPort), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);
        _silos[siloPort] = (http, process);
        await process.WaitUntilAnsweringAsync($"http://127.0.0.1:{http}/healthz");
        return siloPort;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.SignalAsync("CONT"); // a paused Redis would hold the silos' shutdown
        }

        foreach (var (_, process) in _silos.Values)
        {
            await process.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task KilledJobSiloIsSurvivedWithANodeAndALinkFaultTwice()
    {
        var clients = _silos.Values.Select(s => Client(s.HttpPort)).ToArray();
        await clients[0].WaitForClusterAsync(c => c.Step() >= 5, "the job to step on the cluster");
        var faultIds = await InjectNodeAndLinkFaultsAsync(clients[0]);
        Assert.Equal(await FaultIdsAsync(clients[0]), await FaultIdsAsync(clients[1])); // the same list from every silo

        // Twice: the second time the job's epoch has moved on once already, and a silo that joined after the first
        // death takes over.
        var survivor = clients[0];
        for (var round = 0; round < 2; round++)
        {
            if (round == 1)
            {
                await StartSiloAsync();
            }

            var (host, survivorProcess) = await KillJobSiloAsync(survivor);
            survivor = Client(survivorProcess.HttpPort);
            var killedAt = Stopwatch.StartNew();
            var failedBefore = round + 1;
            var recovered = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host && c.Step() > c.GetProperty("job").GetProperty("lastCheckpoint").GetInt64() + 2 && c.GetProperty("job").GetProperty("stepsFailed").GetInt64() >= failedBefore, TimeSpan.FromSeconds(120));
            TestContext.Current.SendDiagnosticMessage($"round {round + 1}: stepping again on the survivor {killedAt.Elapsed.TotalSeconds:F1} s after SIGKILL");

            Assert.Equal("running", recovered.GetProperty("job").GetProperty("state").GetString());
            await AssertFaultsInForceAsync(survivor, faultIds);
            await AssertHealthyAsync(survivorProcess.HttpPort);
        }

        // The cluster still takes a new scenario and steps on it.
        var (status, body, _) = await survivor.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"uniform"}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await survivor.WaitForClusterAsync(c => c.GetProperty("scenario").GetString() == "uniform" && c.Step() >= 2, "the new scenario to step");
    }

    [Fact]
    public async Task KilledJobSiloOfAPausedJobCostsNoStep()
    {
        // Found by probing: the survivor counted a failed step and rolled back to the checkpoint, though the job had
        // saved its position as it paused and no step was in flight.
        var survivor = Client(_silos.Values.First().HttpPort);
        await survivor.WaitForClusterAsync(c => c.Step() >= 5, "the job to step on the cluster");
        var (status, paused, _) = await survivor.PostJsonAsync("/api/job/pause");
        Assert.Equal(HttpStatusCode.OK, status);
        var stragglers = await survivor.GetJsonAsync("/api/stragglers?top=1000");

        var (host, survivorProcess) = await KillJobSiloAsync(survivor);
        survivor = Client(survivorProcess.HttpPort);
        var recovered = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host, TimeSpan.FromSeconds(120));

        var job = recovered.GetProperty("job");
        Assert.Equal("paused", job.GetProperty("state").GetString());
        Assert.Equal(
            (paused.GetProperty("step").GetInt64(), paused.GetProperty("stepsFailed").GetInt64(), paused.GetProperty("lostSteps").GetInt64()),
            (job.GetProperty("step").GetInt64(), job.GetProperty("stepsFailed").GetInt64(), job.GetProperty("lostSteps").GetInt64()));

        // Found by probing: the job's new host exported none of its series (state, step, nodes, links, ETTR) until a
        // resume and a step, as the job reported its figures only at a step.
        var page = await ScrapeUntilAsync(survivorProcess.HttpPort, p => Sample(p, "gpusim_job_state", "state=\"paused\"") == 1, "the paused job's state on its new host");
        Assert.Equal(paused.GetProperty("step").GetInt64(), Sample(page, "gpusim_step_number"));
        Assert.Equal(328, page.Split('\n').Where(l => l.StartsWith("gpusim_nodes{scenario=\"small\",", StringComparison.Ordinal) && l.Contains("state=\"healthy\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
        Assert.Equal(1, Sample(page, "gpusim_link_up", "link=\"west-east\""));
        Assert.NotNull(Sample(page, "gpusim_ettr_ratio"));
        Assert.Equal(0, Sample(page, "gpusim_tokens_per_second"));

        // Found by probing: the straggler report read {"step":0,"nodes":[]} (no stragglers) while the job was at its
        // step with no step evaluated on the new layout; then (until fix-failover) 503 "not known yet" until a resume.
        // The job's record keeps the last step's report while it stands still: the survivor answers the same one.
        using (var kept = await survivor.GetAsync("/api/stragglers?top=1000", AdminClient.Ct))
        {
            var body = await kept.Content.ReadAsStringAsync(AdminClient.Ct);
            Assert.True(kept.StatusCode == HttpStatusCode.OK, $"{(int)kept.StatusCode} {body}");
            Assert.Equal(stragglers.ToString(), body);
            Assert.Equal(paused.GetProperty("step").GetInt64(), stragglers.GetProperty("step").GetInt64());
        }

        await survivor.PostJsonAsync("/api/job/resume");
        await WaitAsync(survivor, survivorProcess.Process, c => c.Step() > paused.GetProperty("step").GetInt64() + 2, TimeSpan.FromSeconds(120));
        Assert.True((await survivor.GetJsonAsync("/api/stragglers")).GetProperty("step").GetInt64() > paused.GetProperty("step").GetInt64());
    }

    [Fact]
    public async Task KilledJobSiloOfAPausedJobKeepsItsEvictedNodeDownOnTheSurvivorBeforeAnyStep()
    {
        // Found by review (fix-failover): the survivor restored the evicted nodes from the job's record and handed them to
        // the blocks, but its counts came from the tree's answers alone, all healthy until the first step: a paused job
        // read its evicted node healthy in /api/cluster (job.evictedNodes 0) and gpusim_nodes until it was resumed.
        var survivor = Client(_silos.Values.First().HttpPort);
        await survivor.WaitForClusterAsync(c => c.Step() >= 3, "the job to step on the cluster");
        var (status, crash, _) = await survivor.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"west-00010"}}""");
        Assert.True(status == HttpStatusCode.Created, crash.ToString());
        var evicted = await survivor.WaitForClusterAsync(c => Job(c, "evictedNodes") == 1 && c.Step() > 0, "the crashed node to be evicted");
        await survivor.WaitForClusterAsync(c => c.Step() > evicted.Step() + 2, "the job to step on without it");
        (status, var paused, _) = await survivor.PostJsonAsync("/api/job/pause");
        Assert.True(status == HttpStatusCode.OK, paused.ToString());
        Assert.Equal(1, paused.GetProperty("evictedNodes").GetInt64());

        var (host, survivorProcess) = await KillJobSiloAsync(survivor);
        survivor = Client(survivorProcess.HttpPort);
        var recovered = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host, TimeSpan.FromSeconds(120));

        Assert.Equal(("paused", paused.GetProperty("step").GetInt64()), (recovered.GetProperty("job").GetProperty("state").GetString(), recovered.Step()));
        Assert.Equal(1, Job(recovered, "evictedNodes"));
        var west = recovered.GetProperty("sites").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "west").GetProperty("generations").EnumerateArray().ToArray();
        Assert.Equal(1, west.Sum(g => g.GetProperty("down").GetInt32()));
        Assert.Equal(327, recovered.GetProperty("sites").EnumerateArray().Sum(s => s.GetProperty("generations").EnumerateArray().Sum(g => g.GetProperty("healthy").GetInt32())));
        var page = await ScrapeUntilAsync(survivorProcess.HttpPort, p => Sample(p, "gpusim_job_state", "state=\"paused\"") == 1, "the paused job's state on its new host");
        Assert.Equal(1, page.Split('\n').Where(l => l.StartsWith("gpusim_nodes{scenario=\"small\",", StringComparison.Ordinal) && l.Contains("state=\"down\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task GracefullyStoppedJobSiloHandsTheJobOverWithoutAFailedStep()
    {
        var clients = _silos.Values.Select(s => Client(s.HttpPort)).ToArray();
        await clients[0].WaitForClusterAsync(c => c.Step() >= 5, "the job to step on the cluster");
        var host = (await clients[0].GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("host").GetString()!;
        var victimPort = _silos.Keys.Single(port => host.Contains($":{port}:", StringComparison.Ordinal));
        var survivorProcess = _silos.Single(s => s.Key != victimPort).Value;
        var survivor = Client(survivorProcess.HttpPort);
        var faultIds = await InjectNodeAndLinkFaultsAsync(survivor);
        await WaitForStragglerAsync(survivor, "east-00007");
        var before = await survivor.GetJsonAsync("/api/cluster");

        await _silos[victimPort].Process.TerminateAsync(TimeSpan.FromSeconds(120)); // SIGTERM: drains
        _silos.Remove(victimPort);

        var after = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host && c.Step() > before.Step() + 3, TimeSpan.FromSeconds(120));
        Assert.Equal(0, after.GetProperty("job").GetProperty("stepsFailed").GetInt64());
        Assert.Equal(0, after.GetProperty("job").GetProperty("lostSteps").GetInt64());
        Assert.Equal("running", after.GetProperty("job").GetProperty("state").GetString());
        await AssertFaultsInForceAsync(survivor, faultIds);
        var (status, body, _) = await survivor.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task KilledJobSiloMakesNoBackgroundFailureTwice()
    {
        // Found by probing: the job resumed from its last record (up to a second old) drew again the failures since,
        // under ids of the new layout's epoch, so each one the lost silo had handed over was made a second time
        // (a slowdown of 1.5 then ran at 2.25). The ids now carry the run's epoch: a second hand-over is a no-op.
        var scenario = JsonNode.Parse(BackgroundFailureTests.SmallWithFailures())!.AsObject();
        scenario["failures"] = JsonNode.Parse("""
            { "causes": [ { "name": "slow", "ratePerGpuHour": 0.2, "kind": "node.slowdown", "params": { "factor": 1.5 }, "repair": { "medianSeconds": 3600, "cv": 0 } } ] }
            """);
        var client = Client(_silos.Values.First().HttpPort);
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":20}""");
        var before = await client.WaitForClusterAsync(c => c.BackgroundFailures() >= 10, "ten background failures");

        var (host, survivorProcess) = await KillJobSiloAsync(client);
        var survivor = Client(survivorProcess.HttpPort);
        var recovered = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host && c.Step() > 0, TimeSpan.FromSeconds(120));
        await WaitAsync(survivor, survivorProcess.Process, c => c.BackgroundFailures() >= recovered.BackgroundFailures() + 10, TimeSpan.FromSeconds(120));

        var twice = (await survivor.GetJsonAsync("/api/faults?all=true")).EnumerateArray()
            .Where(f => f.GetProperty("source").GetString() == "background")
            .GroupBy(f => string.Create(CultureInfo.InvariantCulture, $"{f.GetProperty("target").GetProperty("node").GetString()} {f.GetProperty("simulatedStartSeconds").GetDouble():R}"))
            .Where(g => g.Count() > 1).Select(g => string.Join(", ", g.Select(f => f.GetProperty("id").GetString()))).ToArray();
        Assert.True(before.BackgroundFailures() >= 10);
        Assert.Empty(twice);
    }

    [Fact]
    public async Task GracefullyStoppedJobSiloHandsOverTheNodesItEvictedWithoutAnotherFailedStep()
    {
        // Found by probing: the job's evicted nodes lived in its memory only, so the activation that took the job over
        // laid the tree out with none; a node still crashed missed the barrier again and failed a second step.
        var clients = _silos.Values.Select(s => Client(s.HttpPort)).ToArray();
        await clients[0].WaitForClusterAsync(c => c.Step() >= 3, "the job to step on the cluster");
        var host = (await clients[0].GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("host").GetString()!;
        var victimPort = _silos.Keys.Single(port => host.Contains($":{port}:", StringComparison.Ordinal));
        var survivorProcess = _silos.Single(s => s.Key != victimPort).Value;
        var survivor = Client(survivorProcess.HttpPort);
        var (status, crash, _) = await survivor.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"west-00010"}}""");
        Assert.True(status == HttpStatusCode.Created, crash.ToString());
        var evicted = await survivor.WaitForClusterAsync(
            c => Job(c, "stepsFailed") == 1 && Job(c, "evictedNodes") == 1 && c.Step() > 0, "the crashed node's step to fail and the node to be evicted");

        await _silos[victimPort].Process.TerminateAsync(TimeSpan.FromSeconds(120)); // SIGTERM: drains
        _silos.Remove(victimPort);

        var after = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host && c.Step() > evicted.Step() + 5, TimeSpan.FromSeconds(120));
        Assert.Equal((1L, Job(evicted, "lostSteps"), 1L), (Job(after, "stepsFailed"), Job(after, "lostSteps"), Job(after, "evictedNodes")));
    }

    [Fact]
    public async Task GracefullyStoppedJobSiloHandsTheJobAndTheRegistryOverWhileRedisIsPaused()
    {
        // Found by probing: the silo stopped saved the job's record (and the registry's) on deactivation, which failed
        // against the paused Redis, and the survivor's new activation waited to read it back: the cluster did not step
        // until Redis returned. Now both move with their records in memory, and write them behind once Redis is back.
        var clients = _silos.Values.Select(s => Client(s.HttpPort)).ToArray();
        await clients[0].WaitForClusterAsync(c => c.Step() >= 5, "the job to step on the cluster");
        var host = (await clients[0].GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("host").GetString()!;
        var victimPort = _silos.Keys.Single(port => host.Contains($":{port}:", StringComparison.Ordinal));
        var victim = _silos[victimPort];
        var survivorProcess = _silos.Single(s => s.Key != victimPort).Value;
        var survivor = Client(survivorProcess.HttpPort);
        var faultIds = await InjectNodeAndLinkFaultsAsync(survivor);
        var registryMoves = await RegistriesHostedAsync(victim.HttpPort) == 1; // placed by Orleans: beside the job, as a rule
        var before = await survivor.GetJsonAsync("/api/cluster");

        await _redis!.SignalAsync("STOP");
        try
        {
            await victim.Process.SignalAsync("TERM"); // drains; its own stop then waits on the paused membership table
            var after = await WaitAsync(survivor, survivorProcess.Process, c => c.GetProperty("job").GetProperty("host").GetString() != host && c.Step() > before.Step() + 3, TimeSpan.FromSeconds(90));
            Assert.Equal((0L, 0L, "running"), (Job(after, "stepsFailed"), Job(after, "lostSteps"), after.GetProperty("job").GetProperty("state").GetString()));
            Assert.Equal(faultIds.Order(StringComparer.Ordinal), await FaultIdsAsync(survivor));
            TestContext.Current.SendDiagnosticMessage($"stepping again on the survivor with Redis paused; the registry moved too: {registryMoves}");
        }
        finally
        {
            await _redis.SignalAsync("CONT");
        }

        await victim.Process.DisposeAsync();
        _silos.Remove(victimPort);
        await AssertFaultsInForceAsync(survivor, faultIds);
        await Eventually(async () => !(await survivor.GetJsonAsync("/api/cluster")).GetProperty("job").TryGetProperty("unwritten", out var u) || u.ValueKind == JsonValueKind.Null, "the job's record to be written once Redis is back");
        await Eventually(async () => await HealthyAsync(survivorProcess.HttpPort), "the registry's records to be written once Redis is back");
    }

    private static long Job(JsonElement cluster, string counter) => cluster.GetProperty("job").GetProperty(counter).GetInt64();

    [Fact]
    public async Task GracefullyStoppedSiloHostingOnlyBlocksCostsNoStep()
    {
        var clients = _silos.Values.Select(s => Client(s.HttpPort)).ToArray();
        await clients[0].WaitForClusterAsync(c => c.Step() >= 3, "the job to step on the cluster");
        var host = (await clients[0].GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("host").GetString()!;
        var victimPort = _silos.Keys.Single(port => !host.Contains($":{port}:", StringComparison.Ordinal));
        var victim = _silos[victimPort];
        Assert.True(await BlocksHostedAsync(victim.HttpPort) > 0, "the silo to stop hosts blocks");
        var survivorProcess = _silos[_silos.Keys.Single(p => p != victimPort)];
        var survivor = Client(survivorProcess.HttpPort);
        var before = await survivor.GetJsonAsync("/api/cluster");

        await victim.Process.TerminateAsync(TimeSpan.FromSeconds(120)); // SIGTERM: drains
        _silos.Remove(victimPort);

        var after = await WaitAsync(survivor, survivorProcess.Process, c => c.Step() > before.Step() + 5, TimeSpan.FromSeconds(120));
        Assert.Equal(0, after.GetProperty("job").GetProperty("stepsFailed").GetInt64());
        Assert.Equal(328, after.GetProperty("lastStep").GetProperty("number").GetInt64() > 0 ? after.GetProperty("sites").EnumerateArray().Sum(s => s.GetProperty("generations").EnumerateArray().Sum(g => g.GetProperty("healthy").GetInt32())) : 0);
    }

    // A four-fold slowdown on east-00007 and 20 ms more latency on the west-east link, both without an end.
    private static async Task<string[]> InjectNodeAndLinkFaultsAsync(HttpClient client)
    {
        var (status, node, _) = await client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00007"},"params":{"factor":4}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        (status, var link, _) = await client.PostJsonAsync("/api/faults", """{"kind":"link.latency","target":{"link":"west-east"},"params":{"addMilliseconds":20}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        return [node.GetProperty("id").GetString()!, link.GetProperty("id").GetString()!];
    }

    // Both faults listed and both acting: the slowed node sets the pace, the link carries the extra latency.
    private static async Task AssertFaultsInForceAsync(HttpClient client, string[] faultIds)
    {
        Assert.Equal(faultIds.Order(StringComparer.Ordinal), await FaultIdsAsync(client));
        Assert.InRange(await WaitForStragglerAsync(client, "east-00007"), 3.5, 4.5);
        var link = (await client.GetJsonAsync("/api/links/west-east")).GetProperty("link");
        var extra = link.GetProperty("latencySeconds").GetDouble() - link.GetProperty("nominalLatencySeconds").GetDouble();
        Assert.InRange(extra, 0.019, 0.021);
    }

    private static async Task AssertHealthyAsync(int httpPort)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/healthz", AdminClient.Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(AdminClient.Ct));
    }

    // Kills (SIGKILL) the silo that hosts the job; returns the job's host then and a survivor.
    private async Task<(string Host, (int HttpPort, ManagedProcess Process) Survivor)> KillJobSiloAsync(HttpClient client)
    {
        var host = (await client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("host").GetString()!;
        var victimPort = _silos.Keys.Single(port => host.Contains($":{port}:", StringComparison.Ordinal));
        var survivor = _silos.First(s => s.Key != victimPort).Value;
        await _silos[victimPort].Process.DisposeAsync();
        _silos.Remove(victimPort);
        return (host, survivor);
    }

    private static async Task<int> RegistriesHostedAsync(int port) => await ActivationsAsync(port, "faultregistry");

    private static async Task<bool> HealthyAsync(int httpPort)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/healthz", AdminClient.Ct);
        return response.IsSuccessStatusCode;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(250, AdminClient.Ct);
        }
    }

    private static async Task<int> ActivationsAsync(int port, string grainType)
    {
        using var http = new HttpClient();
        var page = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", AdminClient.Ct);
        var line = page.Split('\n').FirstOrDefault(l => l.StartsWith("orleans_catalog_activations{", StringComparison.Ordinal) && l.Contains($"grain_type=\"{grainType}\"", StringComparison.Ordinal));
        return line is null ? 0 : int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<int> BlocksHostedAsync(int port)
    {
        using var http = new HttpClient();
        var page = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", AdminClient.Ct);
        var line = page.Split('\n').FirstOrDefault(l => l.StartsWith("orleans_catalog_activations{", StringComparison.Ordinal) && l.Contains("grain_type=\"block\"", StringComparison.Ordinal));
        return line is null ? 0 : int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<double> WaitForStragglerAsync(HttpClient client, string node)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            // 503 (not known yet) until a step is evaluated on the survivor's new layout.
            using var response = await client.GetAsync("/api/stragglers?top=1", AdminClient.Ct);
            var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {text}");
            var report = response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(text).RootElement.Clone() : default;
            if (report.ValueKind == JsonValueKind.Object && report.GetProperty("nodes") is { ValueKind: JsonValueKind.Array } nodes && nodes.GetArrayLength() == 1 && nodes[0].GetProperty("node").GetString() == node)
            {
                return nodes[0].GetProperty("slowdown").GetDouble();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{node} never became the top straggler again: {text}");
            await Task.Delay(200, AdminClient.Ct);
        }
    }

    // Polls /api/cluster on the survivor until the condition holds. Every answer other than 200 while the dead silo
    // is being declared dead must be 503 problem details with Retry-After, never a 500 (found by probing: for 1-3 s
    // after a SIGKILL the grain calls failed with SiloUnavailableException and the API answered 500 with a trace).
    private static async Task<JsonElement> WaitAsync(HttpClient client, ManagedProcess process, Func<JsonElement, bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        JsonElement last = default;
        string? error = null;
        var refusals = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/api/cluster", AdminClient.Ct);
                var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    refusals.Add($"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} retry-after {response.Headers.RetryAfter?.Delta?.TotalSeconds}: {text[..Math.Min(text.Length, 300)]}");
                }
                else
                {
                    last = JsonDocument.Parse(text).RootElement.Clone();
                    if (condition(last))
                    {
                        Assert.All(refusals, r => Assert.StartsWith("503 application/problem+json retry-after 2:", r, StringComparison.Ordinal));
                        return last;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                error = e.Message; // the killed silo's own port, or a survivor too busy to answer in time
            }

            await Task.Delay(100, AdminClient.Ct);
        }

        Assert.Fail($"not recovered within {limit}; last: {last}; last error: {error}; refused: {string.Join(" | ", refusals)}\n{process.Output}");
        return last;
    }

    // Polls the silo's /metrics until the condition holds; fails with the simulator's lines of the last page.
    private static async Task<string> ScrapeUntilAsync(int httpPort, Func<string, bool> condition, string what)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        string page;
        while (!condition(page = await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics", AdminClient.Ct)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; the page's lines: {string.Join("\n", page.Split('\n').Where(l => l.StartsWith("gpusim_", StringComparison.Ordinal)).Take(40))}");
            await Task.Delay(200, AdminClient.Ct);
        }

        return page;
    }

    // The value of the one series of `name` on the page whose labels hold every one of `labels`; null when none.
    private static double? Sample(string page, string name, params string[] labels)
    {
        var values = page.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .Select(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(values.Length <= 1, $"{values.Length} series of {name} with {string.Join(",", labels)}");
        return values.Length == 0 ? null : values[0];
    }

    private static async Task<string[]> FaultIdsAsync(HttpClient client) =>
        (await client.GetJsonAsync("/api/faults")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static HttpClient Client(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
