using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// Well-formed JSON nested deeper than the reader's limit is refused <c>400</c> naming the field and saying so, not
/// called malformed. Found by probing: a what-if patch 1,000 levels deep was answered "malformed JSON (line 1, byte 339)",
/// a scenario of 1,000 nested arrays "malformed JSON (line 1, byte 65)".
/// </summary>
public sealed class JsonDepthTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private const string Limit = "nested deeper than the limit of 64 levels of arrays and objects";
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    public static TheoryData<string, string, string, string, string> Bodies => new()
    {
        // A what-if patch nested 1,000 objects deep: its 62nd object (the 65th level) opens
        // after the 36 bytes before the patch and 61 of five bytes each.
        { "POST", "/api/whatif", """{"variants":[{"name":"deep","patch":""" + string.Concat(Enumerable.Repeat("""{"a":""", 1000)) + "1" + new string('}', 1000) + "}]}", "variants[0].patch", $"{Limit} (line 1, byte {36 + (5 * 61) + 1})" },
        // A scenario of 1,000 nested arrays: the 65th opens at byte 65.
        { "PUT", "/api/scenario", new string('[', 1000) + new string(']', 1000), "body", $"{Limit} (line 1, byte 65)" },
        // Comments and white space before it are counted as the reader counts them.
        { "PUT", "/api/scenario", "/* deep */\n  " + new string('[', 100) + new string(']', 100), "body", $"{Limit} (line 2, byte 67)" },
        // Malformed before it nests too deep: still malformed, where it is.
        { "PUT", "/api/scenario", new string('[', 10) + "}" + new string('[', 100), "body", "malformed JSON (line 1, byte 11)" },
        // At the limit, not past it: read, and refused for what it is.
        { "PUT", "/api/scenario", new string('[', 64) + new string(']', 64), "body", "a JSON object is required" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task JsonNestedPastTheLimitIsRefusedSayingSoAndChangesNothing(string method, string path, string json, string field, string message)
    {
        var before = await _client.GetJsonAsync("/api/cluster");

        var (status, problem, response) = await _client.SendJsonAsync(new HttpMethod(method), path, json);

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.ErrorFields());
        Assert.StartsWith(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        var after = await _client.GetJsonAsync("/api/cluster");
        Assert.Equal(before.GetProperty("scenario").GetString(), after.GetProperty("scenario").GetString());
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
    }
}
