using OpenQA.Selenium;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The page's first load on a silo without the Orleans dashboard (the default), before and after the key. Found by a
/// newcomer's run: a probe of <c>/orleans/</c> and the browser's own ask for <c>/favicon.ico</c> failed with 404 in the
/// console on every load, and the job's state read "Running" before the key and "running" after.
/// </summary>
public sealed class LivePageFirstLoadTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private readonly PageBrowser _page = new(fixture.Factory);

    [Fact]
    public void WithoutTheDashboardTheLinkStaysHiddenNoRequestFailsAndTheJobStateReadsTheSameWithOrWithoutTheKey()
    {
        _page.Driver.Navigate().GoToUrl(_page.BaseAddress);

        // Without a key: the job's state from /healthz.
        var before = (string)_page.WaitFor(() => _page.Text("#job-state") is { Length: > 1 } t && t != "…" ? t : null, "the job's state without a key");
        Assert.Equal("running", before);

        // With it: the state from /api/cluster; two draws on, the page has long asked for what it asks for on load.
        _page.Driver.FindElement(By.Id("key")).SendKeys(SiloFactory.AdminKey);
        _page.Driver.FindElement(By.Id("key-save")).Click();
        _page.WaitFor(() => _page.Polls >= 2, "two draws with the key");
        Assert.StartsWith("running", _page.Text("#job-state"), StringComparison.Ordinal);
        var failed = _page.Console().Where(m => m.Contains("Failed to load resource", StringComparison.Ordinal)).ToArray();
        Assert.True(failed.Length == 0, string.Join(Environment.NewLine, failed));
        _page.WaitFor(() => _page.Script("return performance.getEntriesByType('resource').some(e => new URL(e.name).pathname === '/page.json')") is true, "the page to read /page.json");
        Assert.Equal(true, _page.Script("return document.getElementById('orleans-link').hidden"));
        Assert.StartsWith("data:image/svg+xml,", _page.Script("return document.querySelector('link[rel=icon]')?.href ?? null") as string, StringComparison.Ordinal);
    }

    public void Dispose() => _page.Dispose();
}
