using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// <c>scrape --timeout</c> bounds the scrapes of <c>/metrics</c> alone: a silo whose page takes longer fails every
/// scrape, and the report says they had no answer within the timeout; the key's check, answered slower than the
/// timeout, still passes (it keeps its 30 s). The silo is a real one behind a stub on 127.0.0.1 that answers its
/// <c>/api/cluster</c> 3 s late the first time (the key's check) and never answers <c>/metrics</c>.
/// </summary>
public sealed class ScrapeTimeoutTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task ScrapesPastTheTimeoutFailNamingItWhileASlowerKeyCheckPasses()
    {
        await using var stub = await SlowSilo.StartAsync(silo.Url);
        var folder = Directory.CreateTempSubdirectory("orleanscluster-scrape-timeout-");
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync(
                "scrape", "--url", stub.Url, "--key", SiloProcessFixture.Key, "--seconds", "2", "--scrapers", "1", "--timeout", "1", "--output", "json", "--report", folder.FullName);

            Assert.True(exit == 1, $"exit {exit}: {output}{error}"); // ran (not 2: the key's check was not cut at 1 s), and did not hold
            Assert.True(stub.SlowAnswers >= 1, "the key's check was not answered late");
            using var report = JsonDocument.Parse(output);
            var root = report.RootElement;
            Assert.Equal(0, root.GetProperty("scrapes").GetInt64());
            Assert.True(root.GetProperty("failures").GetInt32() >= 1, output);
            Assert.Equal(root.GetProperty("failures").GetInt32(), root.GetProperty("timedOut").GetInt32());
            Assert.Equal(1, root.GetProperty("timeoutSeconds").GetDouble());
            var markdown = await File.ReadAllTextAsync(Path.Combine(folder.FullName, "scrape.md"), TestContext.Current.CancellationToken);
            Assert.Contains("had no answer within --timeout 1 s", markdown, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The silo at <c>silo</c> as seen through a stub: its first <c>/api/cluster</c> 3 s late, its <c>/metrics</c> never.</summary>
    private sealed class SlowSilo : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _silo;
        private int _clusterCalls;
        private int _slowAnswers;

        private SlowSilo(WebApplication app, HttpClient silo, string url)
        {
            _app = app;
            _silo = silo;
            Url = url;
        }

        public string Url { get; }

        public int SlowAnswers => Volatile.Read(ref _slowAnswers);

        public static async Task<SlowSilo> StartAsync(string siloUrl)
        {
            var url = $"http://127.0.0.1:{ManagedProcess.FreePort()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            var app = builder.Build();
            var stub = new SlowSilo(app, new HttpClient { BaseAddress = new Uri(siloUrl) }, url);
            app.MapGet("/api/cluster", stub.ClusterAsync);
            app.MapGet("/metrics", async (HttpContext context) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted); // no answer until the scraper gives up
                }
                catch (OperationCanceledException)
                {
                }
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            return stub;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
            _silo.Dispose();
        }

        // The silo's answer, with the caller's key; the first one (the key's check) 3 s late, past a --timeout of 1 s.
        private async Task ClusterAsync(HttpContext context)
        {
            var first = Interlocked.Increment(ref _clusterCalls) == 1;
            if (first)
            {
                await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cluster");
            if (AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var key))
            {
                request.Headers.Authorization = key;
            }

            using var answer = await _silo.SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)answer.StatusCode;
            context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            await context.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync(context.RequestAborted), context.RequestAborted);
            if (first)
            {
                Interlocked.Increment(ref _slowAnswers);
            }
        }
    }
}
