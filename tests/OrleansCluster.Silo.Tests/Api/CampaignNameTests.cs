using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A campaign's name follows a scenario's rule (1-64 characters of <c>A-Za-z0-9_.-</c>), since it is logged with
/// each fault and echoed in the <c>Location</c> header; the registry escapes whatever name reaches it.
/// </summary>
public sealed class CampaignNameTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    public static TheoryData<string> BadNames => new()
    {
        new string('n', 65),
        new string('n', 10 * 1024),
        "x\nfail: forged\u001b[31m",
        "two words",
        "-leading",
        "caf\u00e9",
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task BadCampaignNameIsRefusedNamingNameAndInjectsNothing(string name)
    {
        var before = (await _client.GetJsonAsync("/api/faults?all=true")).GetArrayLength();
        var body = System.Text.Json.JsonSerializer.Serialize(new { name, faults = new[] { new { kind = "node.crash", target = new { node = "west-00041" } } } });

        var (status, problem, response) = await _client.PostJsonAsync("/api/faults/campaign", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["name"], problem.ErrorFields());
        Assert.Equal(before, (await _client.GetJsonAsync("/api/faults?all=true")).GetArrayLength());
    }

    [Fact]
    public async Task LongestAllowedNameIsAcceptedAndLocatedByIt()
    {
        var name = "Aging_link-1." + new string('z', 51);
        Assert.Equal(64, name.Length);

        var (status, body, response) = await _client.PostJsonAsync("/api/faults/campaign", $$$"""{"name":"{{{name}}}","faults":[{"kind":"node.crash","target":{"node":"west-00042"}}]}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(name, body.GetProperty("campaign").GetString());
        Assert.Equal($"/api/faults?campaign={name}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CampaignsLocationListsItsFaultsAndOnlyThemWithTheirCountAndPages()
    {
        var (_, other, _) = await _client.PostJsonAsync("/api/faults/campaign", """{"name":"located-other","faults":[{"kind":"node.crash","target":{"node":"west-00044"}}]}""");
        var (status, made, response) = await _client.PostJsonAsync("/api/faults/campaign", """
            {"name":"located","faults":[
              {"kind":"node.crash","target":{"node":"west-00045"}},
              {"kind":"node.crash","target":{"node":"west-00046"}},
              {"kind":"node.crash","target":{"node":"west-00047"}}]}
            """);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Single(other.GetProperty("faults").EnumerateArray());
        var location = response.Headers.Location!.OriginalString;
        var ids = made.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToArray();

        using var listed = await _client.GetAsync(location, AdminClient.Ct);
        var all = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(listed.Content, AdminClient.Ct);
        using var paged = await _client.GetAsync(location + "&page=2&pageSize=2", AdminClient.Ct);
        var second = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(paged.Content, AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(ids, all.EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToArray());
        Assert.Equal("3", listed.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal([ids[2]], second.EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToArray());
        Assert.Equal("3", paged.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal(0, (await _client.GetJsonAsync("/api/faults?campaign=no-such-campaign")).GetArrayLength());
    }

    [Fact]
    public async Task NameThatReachesTheRegistryUncheckedIsEscapedAndCutShortInItsLog()
    {
        // A client of the grain itself is not held to the API's rule.
        var grains = fixture.Factory.Services.GetRequiredService<IGrainFactory>();
        var marker = $"m{Guid.NewGuid():N}";
        var name = marker + "\nfail: forged\u001b[31m" + new string('p', 10 * 1024);
        var registry = grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

        var result = await registry.InjectAsync([new FaultRequest("node.crash", new FaultTargetRequest(Node: "west-00043"))], name);

        Assert.Empty(result.Errors);
        var line = Assert.Single(fixture.Factory.Logs, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain(line, char.IsControl);
        Assert.Contains(@"\nfail: forged\u001b[31m", line, StringComparison.Ordinal);
        Assert.True(line.Length < 300, $"{line.Length} characters logged");
    }
}
