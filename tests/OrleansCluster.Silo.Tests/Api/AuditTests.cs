using System.Net;

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
        var line = Assert.Single(fixture.Factory.Logs, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain(line, char.IsControl);
        Assert.Contains(@"\u001b[31m", line, StringComparison.Ordinal);
        Assert.EndsWith("-> 400", line, StringComparison.Ordinal);
    }
}
