using System.Net;
using System.Text.Json;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>POST /api/whatif</c> through real HTTP: a variant's figures against the hand-computed step and the model run
/// in-process, the faults in force carried with withFaults, the limits (node-steps and variants answered 422 naming the limit) and the busy worker (429 with
/// Retry-After, free again once the running evaluation's request is cancelled).
/// </summary>
public sealed class WhatIfTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Scenario = "small",
        Settings = new Dictionary<string, string>
        {
            ["WhatIf:MaxConcurrent"] = "1",
            ["WhatIf:MaxNodeSteps"] = "400000000",
            ["WhatIf:MaxSteps"] = "10000000",
            ["WhatIf:MaxVariants"] = "8",
        },
    };

    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        var (status, _, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task AVariantsFiguresAreTheModelsAndTheHandComputedStep()
    {
        var (status, body, _) = await _client.PostJsonAsync("/api/whatif", """
            { "variants": [ { "name": "baseline" }, { "change": "drop-site:b" }, { "name": "fast", "patch": { "links": [ { "from": "a", "to": "b", "distanceKm": 1, "bandwidthGbps": 800 } ] } } ],
              "steps": 4, "objective": "useful-flops" }
            """);
        Assert.Equal(HttpStatusCode.OK, status);

        // Effects, noise-free, direct mode: T_step = t + 2 T_s + T_x, T_s = 19/20 * 1e9 / 5e10 + 19 * 2 us.
        var intra = (19.0 / 20 * 1e9 / 5e10) + (19 * 2e-6);
        var variants = body.GetProperty("variants");
        Assert.Equal(TestScenarios.ComputeSeconds + (2 * intra) + TestScenarios.InterSiteSeconds, variants[0].GetProperty("meanStepSeconds").GetDouble(), 9);
        Assert.Equal(TestScenarios.ComputeSeconds + (2 * intra), variants[1].GetProperty("meanStepSeconds").GetDouble(), 9);
        Assert.Equal(320, variants[0].GetProperty("gpusByGeneration").GetProperty("H100").GetInt64());
        Assert.Equal(160, variants[1].GetProperty("gpus").GetInt64());

        // The same figures as the model's own evaluation of the same document.
        var expected = WhatIfEvaluator.Evaluate(TestScenarios.Effects, [WhatIfVariant.Baseline, new("drop-site:b", Change: "drop-site:b")], 4, WhatIfObjective.UsefulFlops, AdminClient.Ct);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(expected.Variants[i].UsefulPflopsPerSecond, variants[i].GetProperty("usefulPflopsPerSecond").GetDouble(), 12);
            Assert.Equal(expected.Variants[i].P99StepSeconds, variants[i].GetProperty("p99StepSeconds").GetDouble(), 12);
            Assert.Equal(expected.Variants[i].Breakdown.IntraSiteSeconds, variants[i].GetProperty("breakdown").GetProperty("intraSiteSeconds").GetDouble(), 12);
        }

        // The faster link wins on useful FLOP/s; the scenario has no economics, so no money.
        Assert.Equal("fast", body.GetProperty("ranking")[0].GetString());
        Assert.False(variants[0].TryGetProperty("money", out var money) && money.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task TooMuchWorkIsRefusedNamingTheLimit()
    {
        // standard on effects: baseline (40 nodes), drop-site:a (20), drop-site:b (20), heal-links (40) = 120 nodes.
        var (status, problem, response) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "change": "standard" } ], "steps": 10000000 }""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("1200000000 node-steps, more than the 400000000 allowed (WhatIf:MaxNodeSteps)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["steps"], problem.ErrorFields());

        var nine = string.Join(", ", Enumerable.Range(0, 9).Select(i => $$"""{ "name": "v{{i}}" }"""));
        (status, problem, _) = await _client.PostJsonAsync("/api/whatif", $$"""{ "variants": [ {{nine}} ] }""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("(WhatIf:MaxVariants)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (status, problem, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "change": "drop-site:z" } ], "objective": "fun" }""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["objective"], problem.ErrorFields());

        (status, problem, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "change": "drop-site:z" } ] }""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["variants[0].change"], problem.ErrorFields());
        Assert.Contains("drop-site: no site 'z'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Found by probing: a variant that loading refuses was evaluated (a 1e-300 s barrier: 0 failed steps), or
        // answered 500 (an H100 of 1e308 TFLOPS).
        (status, problem, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "instant", "patch": { "job": { "barrierTimeoutSeconds": 1e-300 } } } ] }""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["variants[0].patch.job.barrierTimeoutSeconds"], problem.ErrorFields()); // the field, as a load names it
        Assert.Contains("no step could ever complete", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        (status, problem, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "fast", "patch": { "generations": [ { "name": "H100", "peakTflops": 1e308 } ] } } ] }""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["variants[0].patch.generations[0].peakTflops"], problem.ErrorFields());
    }

    [Fact]
    public async Task WithFaultsCarriesTheFaultsInForceIntoEveryVariantThatKeepsTheirTargets()
    {
        foreach (var fault in new[] { """{"kind":"node.slowdown","target":{"node":"a-00007"},"params":{"factor":2}}""", """{"kind":"link.latency","target":{"link":"a-b"},"params":{"addMilliseconds":50}}""" })
        {
            var (injected, body, _) = await _client.PostJsonAsync("/api/faults", fault);
            Assert.True(injected == HttpStatusCode.Created, body.ToString());
        }

        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" }, { "change": "drop-site:b" }, { "change": "drop-site:a" } ], "steps": 2, "withFaults": true }""");
        Assert.Equal(HttpStatusCode.OK, status);

        // a-00007 computes twice as long; the link's latency term 2(m-1)L gains 2 x 50 ms.
        var intra = (19.0 / 20 * 1e9 / 5e10) + (19 * 2e-6);
        var variants = report.GetProperty("variants");
        Assert.Equal((2 * TestScenarios.ComputeSeconds) + (2 * intra) + TestScenarios.InterSiteSeconds + 0.1, variants[0].GetProperty("meanStepSeconds").GetDouble(), 9);
        Assert.Equal((2 * TestScenarios.ComputeSeconds) + (2 * intra), variants[1].GetProperty("meanStepSeconds").GetDouble(), 9);
        Assert.Equal(TestScenarios.ComputeSeconds + (2 * intra), variants[2].GetProperty("meanStepSeconds").GetDouble(), 9);

        // A node that is down cannot be carried: refused, naming withFaults.
        var (crashed, _, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"b-00003"}}""");
        Assert.Equal(HttpStatusCode.Created, crashed);
        var (refused, problem, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" } ], "withFaults": true }""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.Equal(["withFaults"], problem.ErrorFields());
    }

    [Fact]
    public async Task UnderAPartitionAFailedStepCostsWhatTheLiveJobRecordsAndDoesNoWork()
    {
        // Found by probing: with withFaults under a link.partition, every step was counted failed but timed at its
        // compute alone, with an MFU above the healthy baseline's.
        var (injected, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"link.partition","target":{"link":"a-b"}}""");
        Assert.True(injected == HttpStatusCode.Created, fault.ToString());
        await _client.WaitForClusterAsync(c => c.GetProperty("job").GetProperty("stepsFailed").GetInt64() >= 1, "the partition to fail a step");
        var live = (await _client.GetJsonAsync("/api/job/steps?count=4096")).EnumerateArray()
            .First(s => !s.GetProperty("ok").GetBoolean() && s.GetProperty("failureReason").GetString()!.StartsWith("partition", StringComparison.Ordinal));

        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" }, { "change": "drop-site:b" } ], "steps": 3, "withFaults": true }""");
        Assert.Equal(HttpStatusCode.OK, status);

        var partitioned = report.GetProperty("variants")[0];
        Assert.Equal(3, partitioned.GetProperty("failedSteps").GetInt32());
        Assert.Equal(10, live.GetProperty("durationSeconds").GetDouble(), 12); // Effects' barrier timeout
        Assert.Equal(live.GetProperty("durationSeconds").GetDouble(), partitioned.GetProperty("meanStepSeconds").GetDouble(), 12);
        Assert.Equal(0, partitioned.GetProperty("clusterMfu").GetDouble());
        Assert.Equal(0, partitioned.GetProperty("usefulPflopsPerSecond").GetDouble());

        // Site a alone keeps no link to lose: it steps as healthy, and ranks first.
        var alone = report.GetProperty("variants")[1];
        Assert.Equal(0, alone.GetProperty("failedSteps").GetInt32());
        Assert.Equal(TestScenarios.ComputeSeconds + (2 * ((19.0 / 20 * 1e9 / 5e10) + (19 * 2e-6))), alone.GetProperty("meanStepSeconds").GetDouble(), 9);
        Assert.Equal(["drop-site:b", "baseline"], report.GetProperty("ranking").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task ANodePastTheBarrierTimeoutFailsAStepAndIsEvictedAsInTheLiveJob()
    {
        // Found by probing: the live job failed one step ("1 node(s) missed the barrier"), evicted the node and went on
        // without it, while the what-if counted no failed step and timed every step at the slowed node's 100-fold pace.
        var (injected, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"a-00007"},"params":{"factor":100}}""");
        Assert.True(injected == HttpStatusCode.Created, fault.ToString());
        await _client.WaitForClusterAsync(c => c.GetProperty("job").GetProperty("stepsFailed").GetInt64() >= 1 && c.GetProperty("lastStep").ValueKind == JsonValueKind.Object && c.Figure("maxComputeSeconds") < 2 * TestScenarios.ComputeSeconds, "the slowed node to fail a step and be evicted");
        var steps = (await _client.GetJsonAsync("/api/job/steps?count=4096")).EnumerateArray().ToArray();
        var failure = steps.First(s => !s.GetProperty("ok").GetBoolean());
        Assert.Equal("1 node(s) missed the barrier", failure.GetProperty("failureReason").GetString());
        var liveAfter = steps.SkipWhile(s => s.GetProperty("ok").GetBoolean()).First(s => s.GetProperty("ok").GetBoolean());

        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" } ], "steps": 3, "withFaults": true }""");
        Assert.Equal(HttpStatusCode.OK, status);

        // Step 1 fails at the barrier timeout (10 s); steps 2 and 3 run without a-00007, at the pace the live job went
        // on at: site b's 20 nodes still set the intra-site phase, so the step is the healthy one.
        var variant = report.GetProperty("variants")[0];
        var healthy = TestScenarios.ComputeSeconds + (2 * ((19.0 / 20 * 1e9 / 5e10) + (19 * 2e-6))) + TestScenarios.InterSiteSeconds;
        Assert.Equal(healthy, liveAfter.GetProperty("durationSeconds").GetDouble(), 9);
        Assert.Equal(1, variant.GetProperty("failedSteps").GetInt32());
        Assert.Equal((10 + (2 * healthy)) / 3, variant.GetProperty("meanStepSeconds").GetDouble(), 9);
        Assert.Equal(healthy, variant.GetProperty("breakdown").GetProperty("totalSeconds").GetDouble(), 9);
    }

    [Fact]
    public async Task ANodeSlowedJustUnderTheTimeoutStallsTheLiveJobAndTheWhatIfSaysSoAtTheSameStep()
    {
        // Found by probing: a node slowed to just under the barrier timeout, its noise taking some steps past it, fails
        // the same step on every replay in the live job (rolled back to the checkpoint, the same draws again), which
        // never progresses; the what-if went on past the failed step and reported about a third of the healthy throughput.
        var noisy = TestScenarios.Effects.Replace("\"computeCv\": 0,", "\"computeCv\": 0.05,", StringComparison.Ordinal);
        Assert.NotEqual(TestScenarios.Effects, noisy);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", noisy)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync("/api/job/stop")).Status);
        var factor = (9.7 / TestScenarios.ComputeSeconds).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var (injected, fault, _) = await _client.PostJsonAsync("/api/faults", $$"""{"kind":"node.slowdown","target":{"node":"a-00007"},"params":{"factor":{{factor}} } }""");
        Assert.True(injected == HttpStatusCode.Created, fault.ToString());
        // At max pace the job could run past the 4,096 steps its history keeps between the wait and the read, and the
        // failures it got past would roll out of it (review): at realtime x200 (steps of about 10 s, 20 a second) the
        // wait takes a few seconds and the history holds minutes; paused once the failures are there.
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":200}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync("/api/job/start")).Status); // a new run from step 1, the fault kept

        await _client.WaitForClusterAsync(c => c.GetProperty("job").GetProperty("stepsFailed").GetInt64() >= 4, "the live job to fail steps");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync("/api/job/pause")).Status);
        var steps = (await _client.GetJsonAsync("/api/job/steps?count=4096")).EnumerateArray().ToArray();
        var failed = steps.Where(s => !s.GetProperty("ok").GetBoolean()).Select(s => s.GetProperty("number").GetInt64()).ToArray();
        var stuck = failed[^1];
        Assert.True(failed.Count(n => n == stuck) >= 2, $"failed steps {string.Join(", ", failed)}: the live job replays one and fails it again");
        Assert.True(steps.Where(s => s.GetProperty("ok").GetBoolean()).Max(s => s.GetProperty("number").GetInt64()) < stuck, "the live job never gets past it");
        var checkpoint = (stuck - 1) / 5 * 5; // Effects checkpoints every 5 steps

        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" }, { "change": "drop-site:b" } ], "steps": 200, "withFaults": true }""");
        Assert.True(status == HttpStatusCode.OK, report.ToString());

        var variant = report.GetProperty("variants")[0];
        Assert.True(variant.GetProperty("stalled").GetBoolean());
        Assert.StartsWith($"step {stuck} fails on every replay (1 node(s) missed the barrier)", variant.GetProperty("stallReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, variant.GetProperty("tokensPerSecond").GetDouble());
        Assert.Equal(0, variant.GetProperty("usefulPflopsPerSecond").GetDouble());
        Assert.Equal(0, variant.GetProperty("clusterMfu").GetDouble());

        // The same steps fail in the what-if as in the live job: those the live job got past, at a rejoin check (the node
        // then stays out until the next one, nothing lost), then the stuck one, each time losing the steps back to the
        // checkpoint.
        var recovered = failed.TakeWhile(n => n != stuck).Count();
        var repeats = variant.GetProperty("failedSteps").GetInt64() - recovered;
        Assert.True(repeats >= 2, $"{repeats} failures of step {stuck} in the what-if");
        Assert.Equal(repeats * (stuck - 1 - checkpoint), variant.GetProperty("lostSteps").GetInt64());

        // Site a alone still holds the slowed node, with the same draws: the same stall.
        var alone = report.GetProperty("variants")[1];
        Assert.True(alone.GetProperty("stalled").GetBoolean());
        Assert.StartsWith($"step {stuck} fails on every replay", alone.GetProperty("stallReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFlapIsRefusedWhicheverHalfOfItsPeriodTheRequestArrivesIn()
    {
        // Found by probing: a node.flap was refused in its crashed half (the node down now) and carried as a healthy node
        // in its recovered half, so the same request answered 422 or 200 by the second it was sent.
        var (injected, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.flap","target":{"node":"a-00003"},"params":{"periodSeconds":1}}""");
        Assert.True(injected == HttpStatusCode.Created, fault.ToString());
        var id = fault.GetProperty("id").GetString()!;

        var seen = new HashSet<bool>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (seen.Count < 2 && DateTime.UtcNow < deadline)
        {
            var crashed = (await _client.GetJsonAsync("/api/nodes/a-00003")).GetProperty("crashed").GetBoolean();
            var (status, problem, response) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" } ], "steps": 2, "withFaults": true }""");
            Assert.True(status == HttpStatusCode.UnprocessableEntity, $"crashed: {crashed}: {(int)status} {problem}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(["withFaults"], problem.ErrorFields());
            Assert.Contains($"node.flap {id} (a-00003)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            seen.Add(crashed);
        }

        Assert.Equal(2, seen.Count); // asked in both halves

        // Cleared, the what-if carries the faults again.
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{id}")).Status);
        var (after, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" } ], "steps": 2, "withFaults": true }""");
        Assert.True(after == HttpStatusCode.OK, report.ToString());
    }

    [Fact]
    public async Task NoFaultMakesANodesSlowdownInfinite()
    {
        // Found by probing: a throttle of clockRatio 1e-320 (within the old (0, 1]) made the node's slowdown infinite:
        // its JSON showed "Infinity" and the what-if with withFaults answered 500. Now refused, naming the parameter.
        var (refused, problem, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.thermal-throttle","target":{"node":"a-00004"},"params":{"clockRatio":1e-320}}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal(["params.clockRatio"], problem.ErrorFields());
        Assert.Equal(0, (await _client.GetJsonAsync("/api/faults")).GetArrayLength());

        // 110 slowdowns of 1,000 on one node, each within its bound, sent as a campaign: their product is capped.
        var stacked = string.Join(", ", Enumerable.Repeat("""{"kind":"node.slowdown","target":{"node":"a-00004"},"params":{"factor":1000}}""", 110));
        var (created, campaign, _) = await _client.PostJsonAsync("/api/faults/campaign", $$"""{ "name": "stacked", "faults": [ {{stacked}} ] }""");
        Assert.True(created == HttpStatusCode.Created, campaign.ToString());
        var node = await _client.GetJsonAsync("/api/nodes/a-00004");
        Assert.Equal(JsonValueKind.Number, node.GetProperty("slowdown").ValueKind);
        Assert.Equal(1e6, node.GetProperty("slowdown").GetDouble());

        // The what-if steps the node at its capped slowdown: past the barrier timeout, so it fails the first step and is
        // evicted from the second.
        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "a", "patch": {} } ], "steps": 2, "withFaults": true }""");
        Assert.True(status == HttpStatusCode.OK, report.ToString());
        Assert.Equal(1, report.GetProperty("variants")[0].GetProperty("failedSteps").GetInt32());
    }

    [Theory]
    [InlineData("""{ "change": "standard" }, { "name": "baseline", "patch": { "seed": 7 } }""")] // two different 'baseline's were answered
    [InlineData("""{ "change": "standard" }, { "change": "standard" }""")] // refused before expansion too, as is the next
    [InlineData("""{ "name": "twice" }, { "name": "twice", "change": "drop-site:b" }""")]
    public async Task NamesThatRepeatOnceStandardIsExpandedAreRefusedNamingTheField(string variants)
    {
        var (status, problem, _) = await _client.PostJsonAsync("/api/whatif", $$"""{ "variants": [ {{variants}} ], "steps": 1 }""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["variants[1].name"], problem.ErrorFields());
        Assert.Contains("duplicate variant", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANameGivenWithStandardPrefixesItsVariants()
    {
        // Found by probing: { "name": "mine", "change": "standard" } lost its name (two standard sets so named answered
        // every name twice).
        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "mine", "change": "standard" }, { "change": "standard" } ], "steps": 1 }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            ["mine/baseline", "mine/drop-site:a", "mine/drop-site:b", "mine/heal-links", "baseline", "drop-site:a", "drop-site:b", "heal-links"],
            report.GetProperty("variants").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Equal(8, report.GetProperty("ranking").EnumerateArray().Select(n => n.GetString()).Distinct().Count());
    }

    [Fact]
    public async Task AMoneyObjectiveOnAScenarioWithoutPricesIsRefusedNamingTheObjective()
    {
        // Found by probing: 200, every money null, the ranking in the request's order. Effects has no economics.
        var (status, problem, response) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" }, { "change": "drop-site:b" } ], "steps": 1, "objective": "usd-per-1e21-flops" }""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["objective"], problem.ErrorFields());
        Assert.Contains("no economics", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Every variant's patch giving the prices, it ranks.
        const string prices = """{ "economics": { "gpuHourPrices": { "H100": 2 } } }""";
        (status, var report, _) = await _client.PostJsonAsync("/api/whatif", $$"""{ "variants": [ { "name": "baseline", "patch": {{prices}} }, { "change": "drop-site:b", "patch": {{prices}} } ], "steps": 1, "objective": "usd-per-1e21-flops" }""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(report.GetProperty("variants").EnumerateArray(), v => Assert.Equal(JsonValueKind.Object, v.GetProperty("money").ValueKind));
    }

    [Fact]
    public async Task ABusyWorkerAnswers429UntilTheRunningEvaluationIsCancelled()
    {
        var eight = string.Join(", ", Enumerable.Range(0, 8).Select(i => $$"""{ "name": "v{{i}}" }"""));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(AdminClient.Ct);
        Task<HttpResponseMessage> Start() => _client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/api/whatif")
            {
                Content = new StringContent($$"""{ "variants": [ {{eight}} ], "steps": 1000000 }""", System.Text.Encoding.UTF8, "application/json"),
            },
            cancel.Token);

        // The quick request may take the slot first: then the long one is the one refused, and starts again.
        var running = Start();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        (HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) busy;
        do
        {
            if (running.IsCompleted)
            {
                using var ended = await running;
                Assert.True(ended.StatusCode == HttpStatusCode.TooManyRequests, $"the long evaluation ended: {(int)ended.StatusCode} {await ended.Content.ReadAsStringAsync(AdminClient.Ct)}");
                running = Start();
            }

            busy = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "quick" } ], "steps": 1 }""");
        }
        while (busy.Status != HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.TooManyRequests, busy.Status);
        Assert.Equal("5", busy.Response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("(WhatIf:MaxConcurrent)", busy.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        do
        {
            busy = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "quick" } ], "steps": 1 }""");
        }
        while (busy.Status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, busy.Status);
    }
}
