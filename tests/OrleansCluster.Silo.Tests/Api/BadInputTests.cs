using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// Every class of bad input gets RFC 9457 problem details naming the field, and changes nothing. Served by Kestrel,
/// whose own limits (the body size) are part of what is checked.
/// </summary>
public sealed class BadInputTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Theory]
    [InlineData("""{"kind":"node.meltdown","target":{"node":"west-00001"}}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("""{"target":{"node":"west-00001"}}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("""{"kind":"node.crash"}""", HttpStatusCode.BadRequest, "target")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-99999"}}""", HttpStatusCode.NotFound, "target.node")]
    [InlineData("""{"kind":"link.partition","target":{"link":"west-moon"}}""", HttpStatusCode.NotFound, "target.link")]
    [InlineData("""{"kind":"site.power-cap","target":{"site":"north"},"params":{"ratio":0.5}}""", HttpStatusCode.NotFound, "target.site")]
    [InlineData("""{"kind":"node.crash","target":{"site":"east","generation":"A100"}}""", HttpStatusCode.NotFound, "target.generation")]
    [InlineData("""{"kind":"node.crash","target":{"site":"west","generation":"A100","count":17}}""", HttpStatusCode.BadRequest, "target.count")]
    [InlineData("""{"kind":"node.crash","target":{"site":"west","fraction":1.5}}""", HttpStatusCode.BadRequest, "target.fraction")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":-2}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":2,"speed":3}}""", HttpStatusCode.BadRequest, "params.speed")]
    [InlineData("""{"kind":"link.bandwidth","target":{"link":"west-east"},"params":{"ratio":1.5}}""", HttpStatusCode.BadRequest, "params.ratio")]
    [InlineData("""{"kind":"link.packet-loss","target":{"link":"west-east"},"params":{"ratio":1}}""", HttpStatusCode.BadRequest, "params.ratio")]
    [InlineData("""{"kind":"node.thermal-throttle","target":{"node":"west-00001"},"params":{"clockRatio":0}}""", HttpStatusCode.BadRequest, "params.clockRatio")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"durationSeconds":-5}""", HttpStatusCode.BadRequest, "durationSeconds")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"startInSeconds":-1}""", HttpStatusCode.BadRequest, "startInSeconds")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"colour":"red"}""", HttpStatusCode.BadRequest, "colour")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":"fast"}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":"2"}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"durationSeconds":"5"}""", HttpStatusCode.BadRequest, "durationSeconds")]
    [InlineData("""{"kind":"node.crash","target":{"site":"west","count":"2"}}""", HttpStatusCode.BadRequest, "target.count")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"}""", HttpStatusCode.BadRequest, "body")]
    [InlineData("""[1,2,3]""", HttpStatusCode.BadRequest, "body")]
    public async Task BadFaultIsRefusedNamingTheFieldAndInjectsNothing(string json, HttpStatusCode expected, string field)
    {
        var before = await FaultIdsAsync();

        var (status, problem, response) = await _client.PostJsonAsync("/api/faults", json);

        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.Contains(field, problem.ErrorFields());
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Fact]
    public async Task OversizedBodyIsRefusedWith413()
    {
        var padding = new string(' ', 2 * 1024 * 1024);
        var before = await FaultIdsAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/faults")
        {
            Content = new StringContent("{\"kind\":\"node.crash\"," + padding + "\"target\":{\"node\":\"west-00001\"}}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true; // refused on its Content-Length alone: the client need not send the body

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(AdminClient.Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Theory]
    [InlineData("/api/faults")]
    [InlineData("/api/scenario")]
    public async Task OversizedChunkedBodyIsRefusedWith413(string path)
    {
        var before = await FaultIdsAsync();
        using var request = new HttpRequestMessage(path == "/api/faults" ? HttpMethod.Post : HttpMethod.Put, path)
        {
            // Just over the limit, so that the rest is sent before the server answers and closes the connection.
            Content = new StringContent("{\"name\":\"" + new string('x', (1024 + 64) * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = true; // no Content-Length: Kestrel's own limit is met while reading

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(AdminClient.Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Admin:MaxBodyBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Fact]
    public async Task BodyThatStopsArrivingIsRefusedWith408AndInjectsNothing()
    {
        var before = await FaultIdsAsync();
        var address = _client.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, AdminClient.Ct);
        var stream = tcp.GetStream();
        var headers = string.Concat(_client.DefaultRequestHeaders.Select(h => $"{h.Key}: {string.Join(",", h.Value)}\r\n"));

        // One byte of the 100,000 announced, then nothing: Kestrel's minimum data rate gives up on the body.
        var head = $"POST /api/faults HTTP/1.1\r\nHost: {address.Authority}\r\n{headers}Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), AdminClient.Ct);
        using var reader = new StreamReader(stream);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(AdminClient.Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2)); // Kestrel answers after its 5 s grace; never wait forever
        var response = await reader.ReadToEndAsync(deadline.Token);

        Assert.StartsWith("HTTP/1.1 408 ", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"status\":408", response, StringComparison.Ordinal);
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Fact]
    public async Task CampaignWithANullFaultIsRefusedNamingItsIndex()
    {
        var before = await FaultIdsAsync();

        var (status, problem, _) = await _client.PostJsonAsync("/api/faults/campaign", """{"name":"x","faults":[{"kind":"node.crash","target":{"node":"west-00001"}},null]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["faults[1]"], problem.ErrorFields());
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Fact]
    public async Task ScenarioOfFiftyMillionNodesIsRefusedBeforeAnythingIsBuilt()
    {
        // 501 sites of 99,999 nodes: 87 KB of JSON, each site within its own cap. The default Simulation:MaxNodes
        // is sized to this machine's memory (about 5 KiB a node), far below 50 million.
        var sites = string.Join(",", Enumerable.Range(0, 501).Select(i => $$"""{"name":"s{{i}}","fabric":{"bandwidthGbps":400},"nodes":[{"generation":"H100","count":99999}]}"""));
        var links = string.Join(",", Enumerable.Range(0, 500).Select(i => $$"""{"from":"s{{i}}","to":"s{{i + 1}}","distanceKm":10,"bandwidthGbps":400}"""));
        var scenario = $$"""{"name":"huge","job":{"flopsPerGpuPerStep":4e14,"gradientBytes":1e9},"sites":[{{sites}}],"links":[{{links}}]}""";
        var before = await _client.GetJsonAsync("/api/cluster");

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["sites"], problem.ErrorFields());
        var message = problem.GetProperty("errors").GetProperty("sites")[0].GetString();
        Assert.Contains("50,099,499 nodes", message, StringComparison.Ordinal);
        Assert.Contains("Simulation:MaxNodes", message, StringComparison.Ordinal);
        var after = await _client.WaitForClusterAsync(c => c.Step() > before.Step(), "the job to go on");
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
    }

    [Theory]
    [InlineData("""{"name":"x","seed":"3"}""", "seed")]
    [InlineData("""{"name":"x","job":{"flopsPerGpuPerStep":"4e14"}}""", "job.flopsPerGpuPerStep")]
    public async Task ScenarioNumbersWrittenAsStringsAreRefusedAsFaultNumbersAre(string json, string field)
    {
        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, problem.ErrorFields());
    }

    [Theory]
    [InlineData("PUT", "/api/scenario", """{"name":"x","seed":-1}""", "seed", "a value out of range or of the wrong type for this field (line 1, byte ")]
    [InlineData("PUT", "/api/scenario", """{"name":"x","sites":[{"name":"a","nodes":[{"generation":"H100","count":2147483648}]}]}""", "sites[0].nodes[0].count", "a value out of range or of the wrong type for this field (line 1, byte ")]
    [InlineData("PUT", "/api/scenario", """{"name":"x","job":{"mfu":"NaN"}}""", "job.mfu", "a value out of range or of the wrong type for this field (line 1, byte ")]
    [InlineData("PUT", "/api/scenario", """{"name":"x","job":{"mfu":}}""", "body", "malformed JSON (line 1, byte ")]
    [InlineData("POST", "/api/faults", """{"kind":"node.crash","target":{"node":"west-00001"},"durationSeconds":"5"}""", "durationSeconds", "a value out of range or of the wrong type for this field (line 1, byte ")]
    [InlineData("POST", "/api/faults", """{"kind":"node.crash","target":{"site":"west","count":2147483648}}""", "target.count", "a value out of range or of the wrong type for this field (line 1, byte ")]
    [InlineData("POST", "/api/faults", """{"kind":"node.crash","target":{"node":"west-00001"}""", "body", "malformed JSON (line 1, byte ")]
    public async Task ValidJsonThatItsFieldCannotHoldIsNamedAndNotCalledMalformed(string method, string path, string json, string field, string message)
    {
        // Found by probing: "seed": -1 (an unsigned seed) was answered "malformed JSON", though the JSON was valid.
        var (status, problem, _) = await _client.SendJsonAsync(new HttpMethod(method), path, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], problem.ErrorFields());
        Assert.StartsWith(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/api/faults", """{"kind":"node.crash","target":{"node":"west-0000~1"}}""", "FF")]
    [InlineData("PUT", "/api/job/pace", """{"mode":"max~"}""", "C3")]
    [InlineData("PUT", "/api/job/pace", "{\"mode\":\"realtime\",\n \"speed\":50 /* ~ */}", "E2 82")]
    [InlineData("PUT", "/api/scenario", """{"preset":"small"} /* ~ */""", "ED A0 80")]
    public async Task ABodyThatIsNotUtf8IsMalformedJsonAndChangesNothing(string method, string path, string json, string bytes)
    {
        // Found by probing: bytes that are not UTF-8 were read as U+FFFD and the body judged as if the client had sent
        // that (in a comment, skipped, they went unnoticed). `~` marks where the bytes go: a byte no UTF-8 holds, a lead
        // byte before '"', a sequence cut short, the encoding of a surrogate.
        var before = await _client.GetJsonAsync("/api/cluster");
        var at = json.IndexOf('~', StringComparison.Ordinal);
        var lineStart = json.LastIndexOf('\n', at) + 1;
        byte[] body = [.. System.Text.Encoding.UTF8.GetBytes(json[..at]), .. Convert.FromHexString(bytes.Replace(" ", string.Empty, StringComparison.Ordinal)), .. System.Text.Encoding.UTF8.GetBytes(json[(at + 1)..])];
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
        var problem = JsonDocument.Parse(text).RootElement;

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["body"], problem.ErrorFields());
        var line = json[..at].Count(c => c == '\n') + 1;
        Assert.StartsWith($"malformed JSON (line {line}, byte {at - lineStart + 1})", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
        var after = await _client.GetJsonAsync("/api/cluster");
        Assert.Equal(before.GetProperty("scenario").GetString(), after.GetProperty("scenario").GetString());
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
        Assert.Equal(before.GetProperty("job").GetProperty("pace").ToString(), after.GetProperty("job").GetProperty("pace").ToString());
    }

    [Fact]
    public async Task FarPageOfNodesIsEmptyRatherThanTheFirst()
    {
        var page = await _client.GetJsonAsync("/api/nodes?page=2147483647&pageSize=1000");

        Assert.Equal(int.MaxValue, page.GetProperty("page").GetInt32());
        Assert.Equal(0, page.GetProperty("nodes").GetArrayLength());
        Assert.True(page.GetProperty("total").GetInt32() > 0);
    }

    [Fact]
    public async Task InvalidScenarioIsRefusedNamingTheFieldAndTheJobRunsOn()
    {
        var before = await _client.GetJsonAsync("/api/cluster");
        var scenario = TestScenarios.Effects.Replace("\"generation\": \"H100\", \"count\": 20 } ] },\n    { \"name\": \"b\"", "\"generation\": \"H900\", \"count\": 20 } ] },\n    { \"name\": \"b\"", StringComparison.Ordinal);
        Assert.NotEqual(TestScenarios.Effects, scenario);

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unknown generation 'H900'", problem.GetProperty("errors").GetProperty("sites[0].nodes[0].generation")[0].GetString());
        var after = await _client.WaitForClusterAsync(c => c.Step() > before.Step(), "the job to go on");
        Assert.Equal(before.GetProperty("scenario").GetString(), after.GetProperty("scenario").GetString());
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
    }

    [Theory]
    [InlineData("\"flopsPerGpuPerStep\": 4e14", "\"flopsPerGpuPerStep\": 1e308", "every node would miss the barrier")]
    [InlineData("\"bandwidthGbps\": 400 } ]", "\"bandwidthGbps\": 1e-300 } ]", "the all-reduce takes")]
    public async Task ScenarioNoStepOfWhichCouldCompleteIsRefusedAndTheJobRunsOn(string field, string impossible, string why)
    {
        // Found by probing: such scenarios loaded with 200, then failed every step (or stalled) for as long as they ran.
        var before = await _client.GetJsonAsync("/api/cluster");
        var scenario = TestScenarios.Effects.Replace(field, impossible, StringComparison.Ordinal);
        Assert.NotEqual(TestScenarios.Effects, scenario);

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(why, problem.GetProperty("errors").GetProperty("job.barrierTimeoutSeconds")[0].GetString(), StringComparison.Ordinal);
        var after = await _client.WaitForClusterAsync(c => c.Step() > before.Step(), "the job to go on");
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
    }

    [Theory]
    [InlineData("\"seed\": 3,", "\"seed\": 3, \"generations\": [ { \"name\": \"H100\", \"peakTflops\": 1e308 } ],", "generations[0].peakTflops")]
    [InlineData("\"noise\": {", "\"noise\": { \"outlierProbability\": 1, \"outlierFactor\": 100,", "noise.outlierProbability")]
    [InlineData("\"linkJitterMicroseconds\": 0", "\"linkJitterMicroseconds\": 1e7", "noise.linkJitterMicroseconds")]
    [InlineData("\"seed\": 3,", "\"seed\": 3, \"failures\": { \"causes\": [ { \"name\": \"x\", \"ratePerGpuHour\": 100, \"kind\": \"node.slowdown\", \"params\": { \"factor\": 1.5 }, \"repair\": { \"medianSeconds\": 86400 } } ] },", "failures")]
    [InlineData("\"bandwidthGbps\": 400 } ]", "\"bandwidthGbps\": 1e308 } ]", "links[0].bandwidthGbps")]
    [InlineData("{ \"name\": \"a\", \"fabric\": { \"bandwidthGbps\": 400", "{ \"name\": \"a\", \"fabric\": { \"bandwidthGbps\": 1e308", "sites[0].fabric.bandwidthGbps")]
    public async Task ScenarioWithAFigureTheModelCannotHoldIsRefusedNamingIt(string find, string replace, string field)
    {
        // Found by probing: an H100 of 1e308 TFLOPS answered 500 (its step took 0 s, which the barrier's sketch refused);
        // every node a hundredfold outlier at every step (101 s past the 10 s timeout) loaded and failed every step;
        // failures that keep more faults in force than Admin:MaxLiveFaults flooded the registry until it answered nothing;
        // a link of 1e308 Gbps loaded as "Infinity" bytes/s, and the inter-site phase lost its latency term; link jitter
        // of 1e7 us (in range) loaded, and every step failed with collective_timeout.
        var scenario = TestScenarios.Effects.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(TestScenarios.Effects, scenario);

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], problem.ErrorFields());
    }

    [Theory]
    [InlineData("""{"preset":"huge"}""", HttpStatusCode.NotFound, "preset")]
    [InlineData("""{"preset":"small","seed":3}""", HttpStatusCode.BadRequest, "preset")]
    [InlineData("""{"name":"x"}""", HttpStatusCode.BadRequest, "job")]
    [InlineData("""{"name":""", HttpStatusCode.BadRequest, "body")]
    public async Task BadScenarioLoadsAreRefused(string json, HttpStatusCode expected, string field)
    {
        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", json);

        Assert.Equal(expected, status);
        Assert.Contains(field, problem.ErrorFields());
    }

    [Theory]
    [InlineData("""{"mode":"warp"}""", "mode")]
    [InlineData("""{"mode":"1"}""", "mode")]
    [InlineData("""{"mode":"realtime, max"}""", "mode")]
    [InlineData("""{"mode":"max, realtime"}""", "mode")]
    [InlineData("""{"mode":" max "}""", "mode")]
    [InlineData("""{"mode":"Realtime,Realtime"}""", "mode")]
    [InlineData("""{"mode":"Max"}""", "mode")]
    [InlineData("""{"mode":"-1"}""", "mode")]
    [InlineData("""{"mode":"realtime","speed":0}""", "speed")]
    [InlineData("""{"speed":2}""", "mode")]
    public async Task BadPaceIsRefused(string json, string field)
    {
        var before = (await _client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("pace");

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, problem.ErrorFields());
        Assert.Equal(before.ToString(), (await _client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("pace").ToString());
    }

    [Theory]
    [InlineData("/api/stragglers?top=0", "top")]
    [InlineData("/api/faults?campaign=", "campaign")]
    [InlineData("/api/nodes?state=melted", "state")]
    [InlineData("/api/nodes?page=0", "page")]
    [InlineData("/api/nodes?page=x&pageSize=1", "page")]
    [InlineData("/api/nodes?pageSize=1001", "pageSize")]
    [InlineData("/api/job/steps?count=abc", "count")]
    [InlineData("/api/job/steps?count=99999999999", "count")]
    [InlineData("/api/stragglers?top=1e9", "top")]
    [InlineData("/api/stragglers?top=1000000000", "top")]
    [InlineData("/api/faults?all=maybe", "all")]
    public async Task BadQueryIsRefused(string path, string field)
    {
        var (status, problem, response) = await _client.SendJsonAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.ErrorFields());
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task ABodyThatIsNotSentAsJsonIsRefusedNamingTheContentTypeAndChangesNothing(string? contentType)
    {
        // Found by probing: a body with no Content-Type (or a form's) was read as JSON all the same.
        var before = (await _client.GetJsonAsync("/api/faults")).GetArrayLength();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/faults")
        {
            Content = new ByteArrayContent("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":2}}"""u8.ToArray()),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(AdminClient.Ct)).RootElement;

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["Content-Type"], problem.ErrorFields());
        Assert.Equal(before, (await _client.GetJsonAsync("/api/faults")).GetArrayLength());
    }

    [Fact]
    public async Task AnEmptyBodyWithNoContentTypeIsAMissingBodyNotAWrongType()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/faults") { Content = new ByteArrayContent([]) };

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(AdminClient.Ct)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["body"], problem.ErrorFields());
    }

    [Fact]
    public async Task UnknownFaultIdIs404()
    {
        var (get, _, _) = await _client.SendJsonAsync(HttpMethod.Get, "/api/faults/f-999999");
        var (delete, problem, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults/f-999999");

        Assert.Equal(HttpStatusCode.NotFound, get);
        Assert.Equal(HttpStatusCode.NotFound, delete);
        Assert.Equal(["id"], problem.ErrorFields());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/html")] // a browser's: problem details all the same under /api (it was plain text)
    public async Task AnUnknownRouteUnderApiIsAnsweredWithProblemDetailsNamingIt(string accept)
    {
        // Found by a newcomer's probe: a title alone, nothing said of what was asked.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/clusters");
        request.Headers.Accept.ParseAdd(accept);

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(AdminClient.Ct)).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal("No such route", problem.GetProperty("title").GetString());
        Assert.StartsWith("no route answers GET /api/clusters: ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMethodARouteDoesNotAnswerIsAnsweredWithProblemDetailsNamingTheMethodsItDoes()
    {
        var (status, problem, response) = await _client.SendJsonAsync(HttpMethod.Get, "/api/job/pause");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
        Assert.Equal(405, problem.GetProperty("status").GetInt32());
        Assert.Equal("/api/job/pause does not answer GET: it answers POST", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnUnknownNodeIsRefusedWithTheFormOfANodeIdAndTheIdsEachSiteHas()
    {
        // Found by a newcomer's probe: "unknown node 'east-7'" said nothing of the five digits.
        const string expected = "unknown node 'east-7': a node id is its site and a five-digit index, e.g. west-00000 (here west-00000 to west-00159, east-00000 to east-00167)";

        var (read, readProblem, _) = await _client.SendJsonAsync(HttpMethod.Get, "/api/nodes/east-7");
        var (inject, injectProblem, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"east-7"}}""");

        Assert.Equal(HttpStatusCode.NotFound, read);
        Assert.Equal(expected, readProblem.GetProperty("errors").GetProperty("id")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, inject);
        Assert.Equal(expected, injectProblem.GetProperty("errors").GetProperty("target.node")[0].GetString());
    }

    private async Task<string[]> FaultIdsAsync() =>
        (await _client.GetJsonAsync("/api/faults?all=true")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToArray();
}
