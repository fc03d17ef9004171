namespace OrleansCluster.Silo.Extensions;

/// <summary>Where HTTP listens when nothing says otherwise, and on which threads its requests run.</summary>
internal static class HostExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Configuration key: run requests on the socket threads (default true).</summary>
    public const string InlineSchedulingKey = "Http:InlineScheduling";

    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Listens on 127.0.0.1:8080 unless <c>ASPNETCORE_URLS</c>, <c>--urls</c> or <c>urls</c> is set.</summary>
    public static WebApplicationBuilder UseDefaultLoopbackUrl(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && string.IsNullOrWhiteSpace(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

    /// <summary>
    /// Runs HTTP requests on the sockets' I/O threads instead of queueing them on the .NET thread pool. At <c>max</c>
    /// pace the simulation keeps every pool thread's own queue full of grain work, which the pool serves before
    /// anything queued from outside: a scrape queued there waited seconds at 250,000 nodes on two busy cores, while
    /// on an I/O thread it is answered within a scheduler slice (docs/performance.md). No handler here blocks: each
    /// hands off at its first grain call, and the one long computation (what-if) runs on the pool by itself.
    /// <c>Http:InlineScheduling=false</c> puts the default back. Must run before any socket is used: the runtime reads
    /// the switch once, when its socket engine starts.
    /// </summary>
    public static WebApplicationBuilder UseInlineRequestScheduling(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue(InlineSchedulingKey, defaultValue: true))
        {
            return builder;
        }

        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        builder.WebHost.UseSockets(options => options.UnsafePreferInlineScheduling = true);
        return builder;
    }
}
