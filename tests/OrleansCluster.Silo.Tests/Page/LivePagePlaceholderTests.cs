using OpenQA.Selenium;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The page's charts before the admin key is in. Found by a newcomer: "Sites and links" was an empty panel about 300 px
/// tall, saying neither what would be drawn there nor that the key was needed (the figures above it show "–", and the
/// tables their headings). Each chart now stands behind a placeholder that says both, until its first draw.
/// </summary>
public sealed class LivePagePlaceholderTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private readonly PageBrowser _page = new(fixture.Factory);

    [Fact]
    public void WithoutTheKeyEachChartSaysWhatWillBeDrawnAndThatTheKeyIsNeededAndWithItTheChartTakesItsPlace()
    {
        _page.Driver.Navigate().GoToUrl(_page.BaseAddress);
        _page.WaitFor(() => _page.Text("#message")?.Contains("admin key", StringComparison.Ordinal) == true, "the page to ask for the key");

        // Without a key: a placeholder in view, naming what comes and the key; no chart, and no empty space for one.
        var sites = Placeholder("sites");
        Assert.Contains("sites", sites, StringComparison.Ordinal);
        Assert.Contains("links", sites, StringComparison.Ordinal);
        Assert.Contains("admin key", sites, StringComparison.Ordinal);
        Assert.Contains("admin key", Placeholder("steps"), StringComparison.Ordinal);
        Assert.False(_page.Driver.FindElement(By.Id("sites")).Displayed, "the empty sites chart is shown");
        Assert.False(_page.Driver.FindElement(By.Id("steps")).Displayed, "the empty steps chart is shown");

        _page.Driver.FindElement(By.Id("key")).SendKeys(SiloFactory.AdminKey);
        _page.Driver.FindElement(By.Id("key-save")).Click();
        _page.WaitFor(() => _page.Polls >= 1 && (long)_page.Script("return document.querySelectorAll('#sites [data-site]').length")! == 2, "the sites drawn with the key");

        // With it: the charts, drawn, in their placeholders' stead.
        Assert.True(_page.Driver.FindElement(By.Id("sites")).Displayed, "the sites chart is not shown once drawn");
        Assert.True(_page.Driver.FindElement(By.Id("steps")).Displayed, "the steps chart is not shown once drawn");
        Assert.False(_page.Driver.FindElement(By.Id("sites-placeholder")).Displayed, "the sites placeholder stays beside the chart");
        Assert.False(_page.Driver.FindElement(By.Id("steps-placeholder")).Displayed, "the steps placeholder stays beside the chart");
    }

    public void Dispose() => _page.Dispose();

    // The placeholder's text, once it is in view: displayed, and tall enough to read.
    private string Placeholder(string chart)
    {
        var placeholder = _page.Driver.FindElement(By.Id($"{chart}-placeholder"));
        Assert.True(placeholder.Displayed && placeholder.Size.Height >= 16, $"#{chart}-placeholder is not in view ({placeholder.Size})");
        return placeholder.Text;
    }
}
