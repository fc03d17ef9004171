using System.Net;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class AuditTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task ControlCharactersOfABodyAreEscapedInTheAuditLine()
    {
        using var client = fixture.Factory.CreateAdminClient();
        var marker = $"audit-{Guid.NewGuid():N}";

        // A raw line break would start a forged log entry; ESC [31m would repaint the terminal reading the log.
        var (status, _, _) = await client.PostJsonAsync("/api/faults", $"{{\"kind\":\"{marker}\u001b[31m\",\n\"target\":{{\"node\":\"west-00001\r\naudit: forged\"}}}}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var line = await fixture.Factory.Logs.WaitForLogAsync(l => l.Contains(marker, StringComparison.Ordinal), marker);
        Assert.Single(fixture.Factory.Logs, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain(line, char.IsControl);
        Assert.Contains(@"\u001b[31m", line, StringComparison.Ordinal);
        Assert.EndsWith("-> 400", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMutationRefusedForAQueryParameterItDoesNotTakeIsAuditedWithItsQuery()
    {
        using var client = fixture.Factory.CreateAdminClient();
        var marker = $"audit{Guid.NewGuid():N}";

        using var response = await client.DeleteAsync(new Uri($"/api/faults?{marker}=1", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var line = await fixture.Factory.Logs.WaitForLogAsync(l => l.Contains("audit: ", StringComparison.Ordinal) && l.Contains(marker, StringComparison.Ordinal), marker);
        Assert.Contains($"DELETE /api/faults?{marker}=1", line, StringComparison.Ordinal);
        Assert.EndsWith("-> 400", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MutationAnsweredUnavailableIsAuditedWithThe503TheClientGot()
    {
        // A silo lost under the job's call: the filter outside the audit answers 503, after the audit's own filter returned.
        await using var lossy = fixture.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IOutgoingGrainCallFilter, LoseSetPace>()));
        using var client = lossy.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloFactory.AdminKey);
        var (status, _, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"max"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var line = await fixture.Factory.Logs.WaitForLogAsync(l => l.Contains("audit: ", StringComparison.Ordinal) && l.Contains("PUT /api/job/pace", StringComparison.Ordinal), "of the PUT");
        Assert.EndsWith("-> 503", line, StringComparison.Ordinal);
    }

    // The job control routes call ControlAsync (the pace route with JobControl.SetPace): it is lost.
    private sealed class LoseSetPace : IOutgoingGrainCallFilter
    {
        public Task Invoke(IOutgoingGrainCallContext context) =>
            context.MethodName == nameof(IJobGrain.ControlAsync) ? throw new SiloUnavailableException("lost under the call (test)") : context.Invoke();
    }
}
