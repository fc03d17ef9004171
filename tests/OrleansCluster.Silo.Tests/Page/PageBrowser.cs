using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// Headless chromium on a silo's live page (as <see cref="LivePageBrowserTests"/> starts it), keeping the console's
/// messages so that a test can tell whether a request failed.
/// </summary>
internal sealed class PageBrowser : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public PageBrowser(SiloFactory factory)
    {
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver), $"{Chromium} and {ChromeDriver} are needed: test.sh installs Debian's chromium and chromium-driver");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1500");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        Driver = new OpenQA.Selenium.Chrome.ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }

    public OpenQA.Selenium.Chrome.ChromeDriver Driver { get; }

    public Uri BaseAddress { get; }

    /// <summary>How many times the page has drawn what the API answered (<c>#figures</c>'s <c>data-polls</c>).</summary>
    public long Polls => long.TryParse(Script("return document.getElementById('figures')?.dataset.polls ?? null") as string, out var n) ? n : 0;

    /// <summary>The page, with the admin key in the tab's sessionStorage as the key form leaves it.</summary>
    public void OpenWithKey()
    {
        Driver.Navigate().GoToUrl(BaseAddress);
        Script($"sessionStorage.setItem('orleanscluster.adminKey', '{SiloFactory.AdminKey}')");
    }

    /// <summary>The console's messages since the last read: every failed request is one ("Failed to load resource").</summary>
    public IReadOnlyList<string> Console() => [.. Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => $"{e.Level}: {e.Message}")];

    // WebDriverWait waits for a true or a non-null answer.
    public object WaitFor(Func<object?> condition, string what)
    {
        var wait = new WebDriverWait(Driver, Deadline) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = $"waiting for {what}; page says: {Text("#message")}" };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait.Until(_ => condition());
    }

    public void WaitFor(Func<bool> condition, string what) => WaitFor(() => condition() ? true : null, what);

    public object? Script(string script, params object[] arguments) => Driver.ExecuteScript(script, arguments);

    public string? Text(string selector) => Script($"return document.querySelector(\"{selector}\")?.textContent ?? null") as string;

    public void Dispose() => Driver.Quit();
}
