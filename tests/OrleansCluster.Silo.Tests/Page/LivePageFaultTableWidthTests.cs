using System.Drawing;
using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The fault table stays inside its panel, Clear buttons on screen, with background failures in force (long ids such as
/// <c>bg2-software-bug-16-0</c> and kinds such as <c>node.crash (background: software-bug)</c>) beside a campaign's long
/// targets and params. Found by a newcomer's probe: at a 1400 px window the table's right edge stood at 1408 px past its
/// panel's 1369 px, the Clear buttons partly off the window, and narrower was worse: every cell but three kept to one line.
/// </summary>
public sealed class LivePageFaultTableWidthTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    // Each row past its panel or the window, and each Clear button outside either, at the window's width now.
    private const string Spills = """
        const panel = document.getElementById('faults').closest('section').getBoundingClientRect();
        const table = document.getElementById('faults').getBoundingClientRect();
        const found = [];
        if (table.right > panel.right + 0.5) found.push(`table right ${table.right} > panel right ${panel.right}`);
        for (const tr of document.querySelectorAll('#faults tbody tr')) {
          const clear = tr.querySelector('button.clear').getBoundingClientRect();
          const row = tr.getBoundingClientRect();
          if (row.right > panel.right + 0.5 || clear.right > panel.right + 0.5 || clear.right > window.innerWidth || clear.left < 0)
            found.push(`${tr.cells[0].textContent} ${tr.cells[1].textContent}: row right ${row.right}, Clear ${clear.left}-${clear.right}, panel right ${panel.right}, window ${window.innerWidth}`);
        }
        if (document.documentElement.scrollWidth > window.innerWidth) found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
        return found.join('; ');
        """;

    private readonly PageBrowser _page = new(fixture.Factory);

    [Fact]
    public async Task WithBackgroundFailuresAndACampaignInForceTheFaultTableStaysInsideItsPanelFrom1024To1920Pixels()
    {
        using var admin = fixture.Factory.CreateAdminClient();
        // small under the Llama 3 table at 20,000x: background crashes every wall second or so at realtime x50.
        var (loaded, loadBody, _) = await admin.SendJsonAsync(HttpMethod.Put, "/api/scenario", BackgroundFailureTests.SmallWithFailures(scale: 20_000));
        Assert.True(loaded == HttpStatusCode.OK, loadBody.ToString());
        var (status, body, _) = await admin.PostJsonAsync("/api/faults/campaign", File.ReadAllText(CampaignFile("small-aging-link.json")));
        Assert.True(status == HttpStatusCode.Created, body.ToString());

        _page.OpenWithKey();
        _page.WaitFor(
            () => _page.Script("return [...document.querySelectorAll('#faults tbody tr')].some(r => r.cells[1].textContent.includes('(background: '))") is true
                && _page.Script("return [...document.querySelectorAll('#faults tbody tr')].some(r => r.cells[1].textContent === 'node.thermal-throttle')") is true,
            "a background failure and the campaign's faults in the list");

        // 1024 px: the sections one above the other; 1280 px: about the narrowest with two side by side.
        foreach (var width in new[] { 1024, 1280, 1400, 1920 })
        {
            _page.Driver.Manage().Window.Size = new Size(width, 1500);
            var polls = _page.Polls;
            _page.WaitFor(() => _page.Polls >= polls + 2, $"two draws at {width} px");
            Directory.CreateDirectory(LivePageBrowserTests.ArtifactsDirectory);
            _page.Script("document.getElementById('faults').scrollIntoView()");
            _page.Driver.GetScreenshot().SaveAsFile(Path.Combine(LivePageBrowserTests.ArtifactsDirectory, $"live-page-faults-{width}.png"));
            Assert.Equal(string.Empty, _page.Script(Spills));
        }
    }

    public void Dispose() => _page.Dispose();

    private static string CampaignFile(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "campaigns")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory!.FullName, "campaigns", name);
    }
}
