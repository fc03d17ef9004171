using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The live page's fault list in a real browser (as <see cref="LivePageBrowserTests"/>): it reads a screenful of the
/// list and the count of them all, never the whole list. Found by probing: the page read all of /api/faults every
/// second, about 2.2 KB a site-wide fault, so 22 MB a second per open tab at the 10,000-fault limit.
/// </summary>
public sealed partial class LivePageFaultListTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private const int PageSize = 50;
    private const int Injected = PageSize + 12;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // Every fetch the page makes, recorded before its own script runs.
    private const string RecordFetches = """
        window.__requests = [];
        const original = window.fetch;
        window.fetch = function (input, init) {
          window.__requests.push({ method: (init && init.method) || 'GET', url: String(input) });
          return original.apply(this, arguments);
        };
        """;

    private readonly ChromeDriver _browser = LivePageBrowserTests.StartBrowser();

    [Fact]
    public async Task MoreFaultsThanAScreenfulShowAPageOfThemAndTheirCountAndThePageNeverReadsTheWholeList()
    {
        using var admin = fixture.Factory.CreateAdminClient();
        var faults = string.Join(",", Enumerable.Range(0, Injected).Select(_ => """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":1.01},"durationSeconds":3600}"""));
        var (status, body, _) = await admin.PostJsonAsync("/api/faults/campaign", $$"""{"name":"many","faults":[{{faults}}]}""");
        Assert.True(status == System.Net.HttpStatusCode.Created, body.ToString());

        _browser.ExecuteCdpCommand("Page.addScriptToEvaluateOnNewDocument", new Dictionary<string, object?> { ["source"] = RecordFetches });
        _browser.Navigate().GoToUrl(BaseAddress());
        _browser.FindElement(By.Id("key")).SendKeys(SiloFactory.AdminKey);
        _browser.FindElement(By.Id("key-save")).Click();

        // "50 of 62 shown" (or more: the scenario's background failures may add some), and 50 rows.
        var shown = (string)WaitFor(() => Text("#faults-count") is { } t && ShownCount().Match(t) is { Success: true } m && int.Parse(m.Groups[2].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) >= Injected ? t : null, "the count of the faults shown and in all");
        Assert.StartsWith($"{PageSize} of ", shown, StringComparison.Ordinal);
        Assert.Equal(PageSize, Count("#faults tbody tr"));

        var lists = ((IEnumerable<object>)Script("return window.__requests.filter(r => r.method === 'GET' && new URL(r.url, location.href).pathname === '/api/faults').map(r => r.url)")!)
            .Cast<string>().ToArray();
        Assert.NotEmpty(lists);
        Assert.All(lists, url => Assert.Contains($"pageSize={PageSize}", url, StringComparison.Ordinal));
    }

    public void Dispose() => _browser.Quit();

    [GeneratedRegex(@"^([\d,]+) of ([\d,]+) shown")]
    private static partial Regex ShownCount();

    private Uri BaseAddress()
    {
        var addresses = fixture.Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
    }

    private object WaitFor(Func<object?> condition, string what)
    {
        var wait = new WebDriverWait(_browser, Deadline) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = $"waiting for {what}; the page shows {Text("#faults-count")} and says: {Text("#message")}" };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait.Until(_ => condition());
    }

    private object? Script(string script) => _browser.ExecuteScript(script);

    private string? Text(string selector) => Script($"return document.querySelector(\"{selector}\")?.textContent ?? null") as string;

    private long Count(string selector) => (long)Script($"return document.querySelectorAll(\"{selector}\").length")!;
}
