using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A fault mutation takes its place with the registry once its body has been read, so slow uploads do not hold
/// the places. Found by probing: eight clients with the key sending <c>POST /api/faults</c> bodies just above
/// Kestrel's minimum data rate (300 B/s of a 1,000,000-byte body) held all eight places, and every inject and clear
/// on the silo hung behind them. Over real HTTP (Kestrel on 127.0.0.1), as the minimum data rate is Kestrel's.
/// </summary>
public sealed class SlowUploadAdmissionTests : KestrelSiloTest
{
    private const int Places = 2;
    private const string SlowHeader = "X-Slow-Upload";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly BodyReads _reads;

    public SlowUploadAdmissionTests()
        : this(new BodyReads())
    {
    }

    private SlowUploadAdmissionTests(BodyReads reads)
        : base(Silo(reads)) => _reads = reads;

    private static SiloFactory Silo(BodyReads reads) =>
        new SiloFactory
        {
            Pace = "realtime",
            Settings = new Dictionary<string, string>
            {
                ["Simulation:Speed"] = "50",
                ["Admin:FaultMutationsInFlight"] = Places.ToString(CultureInfo.InvariantCulture),
                ["urls"] = "http://127.0.0.1:0",
            },
            ExtraServices = services => services.AddSingleton<IStartupFilter>(reads),
        };

    [Fact]
    public async Task InjectAndClearAnswerWhileAsManySlowUploadsAsTheRegistryHasPlacesAreOpen()
    {
        using var client = Factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 1, "the job's first step");
        var address = client.BaseAddress!;

        // As many uploads as the registry has places, each announcing 1,000,000 bytes and sending spaces at about
        // 1,200 B/s: above Kestrel's minimum rate (240 B/s), so Kestrel keeps them open.
        var slow = new List<TcpClient>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(AdminClient.Ct);
        Task? trickle = null;
        try
        {
            for (var i = 0; i < Places; i++)
            {
                var tcp = new TcpClient();
                slow.Add(tcp);
                await tcp.ConnectAsync(address.Host, address.Port, AdminClient.Ct);
                var head = $"POST /api/faults HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {SiloFactory.AdminKey}\r\n{SlowHeader}: {i}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
                await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head), AdminClient.Ct);
            }

            trickle = TrickleAsync(slow.Select(t => t.GetStream()).ToArray(), stop.Token);

            // Every upload's handler has begun reading its body: without the fix, each has taken its place by then.
            var deadline = DateTime.UtcNow + Deadline;
            while (_reads.Started < Places)
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for the {Places} slow uploads to be read; {_reads.Started} begun");
                await Task.Delay(25, AdminClient.Ct);
            }

            var (injected, fault) = await SendAsync(client, HttpMethod.Post, "/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":1.5}}""");
            Assert.True(injected == HttpStatusCode.Created, $"inject: {(int)injected} {fault}");
            var (cleared, gone) = await SendAsync(client, HttpMethod.Delete, $"/api/faults/{fault.GetProperty("id").GetString()}", null);
            Assert.True(cleared == HttpStatusCode.OK, $"clear: {(int)cleared} {gone}");
            Assert.Equal("cleared", gone.GetProperty("state").GetString());
            Assert.All(slow, tcp => Assert.Equal(0, tcp.Available)); // the uploads are still open, not answered (a 408) and gone
        }
        finally
        {
            await stop.CancelAsync();
            if (trickle is not null)
            {
                await trickle;
            }

            foreach (var tcp in slow)
            {
                tcp.Dispose();
            }
        }
    }

    // Answers within the deadline, or fails naming what it waited on (without the fix it waits for the uploads).
    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(AdminClient.Ct);
        deadline.CancelAfter(Deadline);
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await client.SendAsync(request, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
        }
        catch (OperationCanceledException) when (!AdminClient.Ct.IsCancellationRequested)
        {
            Assert.Fail($"{method} {path} had no answer within {Deadline.TotalSeconds} s while {Places} uploads were slow: they hold the registry's places (Admin:FaultMutationsInFlight = {Places})");
            throw;
        }
    }

    private static async Task TrickleAsync(NetworkStream[] streams, CancellationToken cancellationToken)
    {
        var spaces = Encoding.ASCII.GetBytes(new string(' ', 300));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            do
            {
                foreach (var stream in streams)
                {
                    await stream.WriteAsync(spaces, cancellationToken);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Counts the slow uploads whose bodies the silo has begun to read (its first read of each).</summary>
    private sealed class BodyReads : IStartupFilter
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                if (context.Request.Headers.ContainsKey(SlowHeader))
                {
                    context.Request.Body = new FirstRead(context.Request.Body, () => Interlocked.Increment(ref _started));
                }

                await inner(context);
            });
            next(app);
        };
    }

    /// <summary>A request body that calls <c>started</c> at its first read.</summary>
    private sealed class FirstRead(Stream inner, Action started) : Stream
    {
        private int _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Started();
            return inner.Read(buffer, offset, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Started();
            return inner.ReadAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Started();
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private void Started()
        {
            if (Interlocked.Exchange(ref _read, 1) == 0)
            {
                started();
            }
        }
    }
}
