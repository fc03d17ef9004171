namespace OrleansCluster.Silo.Extensions;

/// <summary>Where HTTP listens when nothing says otherwise.</summary>
internal static class HostExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Listens on 127.0.0.1:8080 unless <c>ASPNETCORE_URLS</c>, <c>--urls</c> or <c>urls</c> is set.</summary>
    public static WebApplicationBuilder UseDefaultLoopbackUrl(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && string.IsNullOrWhiteSpace(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }
}
