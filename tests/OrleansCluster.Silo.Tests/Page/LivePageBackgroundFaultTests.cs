using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The live page's fault list in a real browser (as <see cref="LivePageBrowserTests"/>) tells a background failure
/// from an injected fault: its kind names its source and cause, and it ends when the simulation repairs it. Found by
/// a newcomer's run: a background crash read "cleared by hand", as a fault injected without a duration does, and
/// nothing on the row said where it came from.
/// </summary>
public sealed class LivePageBackgroundFaultTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly ChromeDriver _browser = LivePageBrowserTests.StartBrowser();

    [Fact]
    public async Task ABackgroundFailureNamesItsCauseAndIsRepairedByTheSimulationWhileAnInjectedFaultIsClearedByHand()
    {
        using var admin = fixture.Factory.CreateAdminClient();
        // small under the Llama 3 table at 20,000x: about 14 failures a wall second at realtime x50.
        var (loaded, _, _) = await admin.SendJsonAsync(HttpMethod.Put, "/api/scenario", BackgroundFailureTests.SmallWithFailures(scale: 20_000));
        Assert.Equal(System.Net.HttpStatusCode.OK, loaded);
        var (status, body, _) = await admin.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":1.01}}""");
        Assert.True(status == System.Net.HttpStatusCode.Created, body.ToString());
        var injected = body.GetProperty("id").GetString()!;

        _browser.Navigate().GoToUrl(BaseAddress());
        _browser.FindElement(By.Id("key")).SendKeys(SiloFactory.AdminKey);
        _browser.FindElement(By.Id("key-save")).Click();

        var background = (string[])WaitFor(() => Rows().FirstOrDefault(r => r[1].Contains("(background: ", StringComparison.Ordinal)), "a background failure in the fault list");
        Assert.Equal("repaired by the simulation", background[4]);
        var mine = (string[])WaitFor(() => Rows().FirstOrDefault(r => r[0] == injected), "the injected fault in the fault list");
        Assert.Equal("node.slowdown", mine[1]);
        Assert.Equal("cleared by hand", mine[4]);

        // The operator's own faults come first (found by review: by id alone, background ids, bg..., came before f-...,
        // and with more than a screenful of background failures in force the injected fault was off the page).
        Assert.Equal(injected, Rows()[0][0]);
    }

    public void Dispose() => _browser.Quit();

    // The fault table's rows, as the text of their cells.
    private string[][] Rows() =>
        ((IEnumerable<object>)_browser.ExecuteScript("return [...document.querySelectorAll('#faults tbody tr')].map(tr => [...tr.cells].map(td => td.textContent.trim()))")!)
            .Select(r => ((IEnumerable<object>)r).Cast<string>().ToArray())
            .ToArray();

    private Uri BaseAddress()
    {
        var addresses = fixture.Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
    }

    private object WaitFor(Func<object?> condition, string what)
    {
        var wait = new WebDriverWait(_browser, Deadline) { PollingInterval = TimeSpan.FromMilliseconds(200), Message = $"waiting for {what}" };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait.Until(_ => condition());
    }
}
