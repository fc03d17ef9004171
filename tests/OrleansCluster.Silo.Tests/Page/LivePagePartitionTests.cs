using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The live page goes on drawing while a link is partitioned. Found when <c>/api/stragglers</c> began to say a down link's
/// stretch is null (fix-api): the page formatted it as a number, which threw and stopped the page's refresh for as long
/// as the partition held. Now the link's row reads "down" in its up and stretch cells.
/// </summary>
public sealed class LivePagePartitionTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private const string Partition = """{"kind":"link.partition","target":{"link":"west-east"}}""";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private const string LinkRows = """
        return [...document.querySelectorAll('#links tbody tr')].map(tr => [...tr.cells].map(c => c.textContent.trim()).join(' | '));
        """;

    private readonly PageBrowser _page = new(fixture.Factory);
    private readonly HttpClient _admin = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task APartitionedLinkReadsDownOnThePageWhichGoesOnDrawing()
    {
        var (status, body, _) = await _admin.PostJsonAsync("/api/faults", Partition);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("id").GetString();
        try
        {
            // The last step evaluated names the link down, its stretch null.
            var deadline = DateTime.UtcNow + Deadline;
            while (true)
            {
                using var response = await _admin.GetAsync(new Uri("/api/stragglers", UriKind.Relative), AdminClient.Ct);
                var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
                if (response.IsSuccessStatusCode && text.Contains("\"up\":false", StringComparison.Ordinal))
                {
                    Assert.Contains("\"stretch\":null", text, StringComparison.Ordinal);
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"no step evaluated with west-east down; last: {text}");
                await Task.Delay(200, AdminClient.Ct);
            }

            _page.OpenWithKey();
            string[] rows = [];
            deadline = DateTime.UtcNow + Deadline;
            while (!rows.Any(r => r.StartsWith("west-east | down |", StringComparison.Ordinal) && r.EndsWith("| down", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline, $"the page's links: {string.Join(" / ", rows)}");
                await Task.Delay(200, AdminClient.Ct);
                rows = ((IEnumerable<object>)_page.Script(LinkRows)!).Cast<string>().ToArray();
            }

            // And it goes on drawing: the step it shows moves on as the job's does (failed steps count as steps tried).
            var first = _page.Script("return document.body.innerText")!.ToString();
            deadline = DateTime.UtcNow + Deadline;
            while (_page.Script("return document.body.innerText")!.ToString() == first)
            {
                Assert.True(DateTime.UtcNow < deadline, "the page stopped drawing during the partition");
                await Task.Delay(200, AdminClient.Ct);
            }
        }
        finally
        {
            await _admin.DeleteAsync(new Uri($"/api/faults/{id}", UriKind.Relative), AdminClient.Ct);
        }
    }

    public void Dispose()
    {
        _admin.Dispose();
        _page.Dispose();
    }
}
