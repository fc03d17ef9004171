using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The live page in a real browser: Debian's chromium driven through its chromedriver (test.sh installs both), on a
/// real silo served by Kestrel on 127.0.0.1. A user's first minutes: the page, the key, a fault injected and cleared.
/// </summary>
public sealed class LivePageBrowserTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly ChromeDriver _browser = StartBrowser();

    /// <summary>Where the screenshots go: <c>artifacts/</c> beside the test assembly.</summary>
    public static string ArtifactsDirectory => Path.Combine(AppContext.BaseDirectory, "artifacts");

    [Fact]
    public async Task UserSeesTheClusterInjectsASlowdownThroughTheFormAndClearsIt()
    {
        _browser.Navigate().GoToUrl(BaseAddress());
        try
        {
            // Without a key: the scenario and a step that advances, from /healthz, and a request for the key.
            WaitFor(() => Text("#scenario") == "small", "the scenario's name without a key");
            var first = (long)WaitFor(() => long.TryParse(Text("#step"), out var n) ? n : null, "a step number");
            WaitFor(() => long.TryParse(Text("#step"), out var n) && n > first, "the step number to advance");
            Assert.Contains("admin key", Text("#message"), StringComparison.Ordinal);
            Screenshot("live-page-no-key.png");

            _browser.FindElement(By.Id("key")).SendKeys(SiloFactory.AdminKey);
            _browser.FindElement(By.Id("key-save")).Click();
            WaitFor(() => Count("#stragglers tbody tr") > 0 && Count("#sites [data-site]") == 2, "the stragglers and sites once the key is in");
            Assert.Equal(SiloFactory.AdminKey, Script("return sessionStorage.getItem('orleanscluster.adminKey')"));
            Assert.Equal(0L, Script("return localStorage.length"));

            // A tenfold slowdown puts an H200 (1 s of compute) past the A100s that straggle in `small` (3.3 s).
            _browser.FindElement(By.CssSelector("#fault-kind option[value='node.slowdown']")).Click();
            _browser.FindElement(By.CssSelector("#fault-target-type option[value='node']")).Click();
            Type("fault-target", "east-00003");
            Type("fault-param", "10");
            Type("fault-duration", "600");
            _browser.FindElement(By.Id("fault-inject")).Click();

            var id = (string)WaitFor(() => Script("return [...document.querySelectorAll('#faults tbody tr')].map(r => r.cells).filter(c => c[1].textContent === 'node.slowdown' && c[2].textContent === 'east-00003').map(c => c[0].textContent)[0] || null"), "the fault in the list");
            WaitFor(() => Text("#stragglers tbody tr td") == "east-00003", "the slowed node at the top of the stragglers");
            Screenshot("live-page.png");

            // The aging-link campaign beside it: 7 faults, with long targets and params. Found by a newcomer's run at
            // 1400 px wide: the table's "ends" column and every clear button sat off-screen behind a scrollbar.
            using (var campaigns = fixture.Factory.CreateAdminClient())
            {
                var (status, body, _) = await campaigns.PostJsonAsync("/api/faults/campaign", CampaignFile("small-aging-link.json"));
                Assert.True(status == System.Net.HttpStatusCode.Created, body.ToString());
            }

            WaitFor(() => Count("#faults button.clear") == 7, "the campaign's faults in the list");
            var offScreen = Script("""
                return [...document.querySelectorAll('#faults tbody tr')]
                  .filter(r => r.querySelector('button.clear').getBoundingClientRect().right > window.innerWidth
                    || [...r.cells].some(c => c.getBoundingClientRect().right > window.innerWidth))
                  .map(r => r.cells[0].textContent + ' ' + r.cells[2].textContent + ' ' + r.cells[3].textContent).join('; ')
                """);
            Screenshot("live-page-faults.png");
            Assert.Equal(string.Empty, offScreen);
            Assert.True((long)Script("return document.documentElement.scrollWidth - window.innerWidth")! <= 0, "the page scrolls sideways");

            WaitFor(() => Click($"#faults button.clear[data-id='{id}']"), "the fault's clear button");
            WaitFor(() => Count($"#faults button.clear[data-id='{id}']") == 0, "the fault gone from the list");
            using var admin = fixture.Factory.CreateAdminClient();
            var faults = await admin.GetJsonAsync("/api/faults");
            Assert.DoesNotContain(faults.EnumerateArray(), f => f.GetProperty("id").GetString() == id);
        }
        finally
        {
            Screenshot("live-page-last.png");
        }
    }

    public void Dispose() => _browser.Quit();

    private static string CampaignFile(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "campaigns")))
        {
            directory = directory.Parent;
        }

        return File.ReadAllText(Path.Combine(directory!.FullName, "campaigns", name));
    }

    internal static ChromeDriver StartBrowser()
    {
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver), $"{Chromium} and {ChromeDriver} are needed: test.sh installs Debian's chromium and chromium-driver");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // Tests run as root on CI, where chromium's sandbox cannot start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1500");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }

    private Uri BaseAddress()
    {
        var addresses = fixture.Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
    }

    // WebDriverWait waits for a true or a non-null answer.
    private object WaitFor(Func<object?> condition, string what)
    {
        var wait = new WebDriverWait(_browser, Deadline) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = $"waiting for {what}; page says: {Text("#message")}" };
        // The page redraws its tables every second: an element may go stale between finding and reading it.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait.Until(_ => condition());
    }

    private void WaitFor(Func<bool> condition, string what) => WaitFor(() => condition() ? true : null, what);

    private object? Script(string script) => _browser.ExecuteScript(script);

    private string? Text(string selector) => Script($"return document.querySelector(\"{selector}\")?.textContent ?? null") as string;

    private long Count(string selector) => (long)Script($"return document.querySelectorAll(\"{selector}\").length")!;

    private bool Click(string selector)
    {
        _browser.FindElement(By.CssSelector(selector)).Click();
        return true;
    }

    private void Type(string id, string text)
    {
        var input = _browser.FindElement(By.Id(id));
        input.Clear();
        input.SendKeys(text);
    }

    private void Screenshot(string name)
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        Script("window.scrollTo(0, 0)");
        _browser.GetScreenshot().SaveAsFile(Path.Combine(ArtifactsDirectory, name));
    }
}
