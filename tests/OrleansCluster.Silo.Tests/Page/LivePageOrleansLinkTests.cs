using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The page's link to the Orleans dashboard, on a silo with it (<c>Orleans:Dashboard=true</c>). Found by a newcomer's
/// run: the page probed <c>/orleans/</c> with HEAD, which the dashboard answers 405, so the link never showed.
/// </summary>
public sealed class LivePageOrleansLinkTests() : KestrelSiloTest(new SiloFactory
{
    Pace = "realtime",
    Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["urls"] = "http://127.0.0.1:0", ["Orleans:Dashboard"] = "true" },
})
{
    [Fact]
    public void WithTheDashboardOnTheLinkShowsAndNoRequestFails()
    {
        using var page = new PageBrowser(Factory);

        page.Driver.Navigate().GoToUrl(page.BaseAddress);

        page.WaitFor(() => page.Script("return document.getElementById('orleans-link').hidden") is false, "the Orleans link to show");
        Assert.Equal("/orleans/", page.Script("return document.getElementById('orleans-link').getAttribute('href')"));
        page.WaitFor(() => long.TryParse(page.Text("#step"), out _), "the step from /healthz");
        var failed = page.Console().Where(m => m.Contains("Failed to load resource", StringComparison.Ordinal)).ToArray();
        Assert.True(failed.Length == 0, string.Join(Environment.NewLine, failed));
    }
}
