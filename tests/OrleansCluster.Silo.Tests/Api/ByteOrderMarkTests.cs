using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A body that starts with a UTF-8 byte order mark, as a file saved by a Windows editor and sent with
/// <c>curl --data-binary @file</c> does, is read as the JSON after the mark on every route that reads a JSON body.
/// Found by probing: each answered <c>400 malformed JSON (line 1, byte 1)</c>.
/// </summary>
public sealed class ByteOrderMarkTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Theory]
    [InlineData("POST", "/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":2},"durationSeconds":600}""", HttpStatusCode.Created)]
    [InlineData("POST", "/api/faults/campaign", """{"name":"bom","faults":[{"kind":"node.slowdown","target":{"node":"west-00002"},"params":{"factor":2},"durationSeconds":600}]}""", HttpStatusCode.Created)]
    [InlineData("PUT", "/api/job/pace", """{"mode":"realtime","speed":50}""", HttpStatusCode.OK)]
    [InlineData("PUT", "/api/scenario", """{"preset":"small"}""", HttpStatusCode.OK)]
    public async Task ABodyThatStartsWithAByteOrderMarkIsReadAsTheJsonAfterIt(string method, string path, string json, HttpStatusCode expected)
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(json)];
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);

        Assert.True(expected == response.StatusCode, $"{method} {path} with a byte order mark: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(text).RootElement.ValueKind);
    }

    [Fact]
    public async Task AByteOrderMarkAloneIsAMissingBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/faults") { Content = new ByteArrayContent([0xEF, 0xBB, 0xBF]) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await _client.SendAsync(request, AdminClient.Ct);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(AdminClient.Ct)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["body"], problem.ErrorFields());
        Assert.Contains("required", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
    }
}
