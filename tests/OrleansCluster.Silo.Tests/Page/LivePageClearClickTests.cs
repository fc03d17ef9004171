using System.Net;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// A fault's Clear button under a human's click. Found by a newcomer's run: the fault table, buttons included, was built
/// anew every second, so a click whose press and release straddled a redraw did nothing (2 of 12 slow clicks).
/// </summary>
public sealed class LivePageClearClickTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private readonly PageBrowser _page = new(fixture.Factory);

    [Fact]
    public async Task AClickWhosePressAndReleaseStraddleARedrawClearsTheFault()
    {
        using var admin = fixture.Factory.CreateAdminClient();
        var (status, body, _) = await admin.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":1.01},"durationSeconds":600}""");
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("id").GetString()!;

        _page.OpenWithKey();
        var selector = $"#faults button.clear[data-id='{id}']";
        _page.WaitFor(() => _page.Driver.FindElements(By.CssSelector(selector)).Count == 1, "the fault's Clear button");
        _page.Script("arguments[0].scrollIntoView({ block: 'center' })", _page.Driver.FindElement(By.CssSelector(selector)));

        // Pressed, held past two draws of the page (each rewrites the row's "ends" countdown), then released.
        var pressed = _page.Polls;
        new Actions(_page.Driver).MoveToElement(_page.Driver.FindElement(By.CssSelector(selector))).ClickAndHold().Perform();
        _page.WaitFor(() => _page.Polls >= pressed + 2, "two draws while the button is held");
        new Actions(_page.Driver).Release().Perform();

        _page.WaitFor(() => _page.Text("#message") == $"cleared {id}", $"the page to clear {id}");
        var faults = await admin.GetJsonAsync("/api/faults");
        Assert.DoesNotContain(faults.EnumerateArray(), f => f.GetProperty("id").GetString() == id);
    }

    public void Dispose() => _page.Dispose();
}
