using Microsoft.Net.Http.Headers;
using Orleans.Dashboard;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// The live page at <c>/</c>: static files from <c>wwwroot</c>, open like <c>/healthz</c>; the figures it shows come
/// from <c>/api</c>, which keeps its key (the page sends the key the user typed). Static files are only files:
/// nothing under <c>/api</c> is one, so serving them opens nothing else.
/// </summary>
internal static class LivePageExtensions
{
    // The page loads its own script and style and talks to its own origin; nothing inline, nothing framed.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseLivePage(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                // The page changes with the silo's version; a browser asks again rather than run an old script.
                headers[HeaderNames.CacheControl] = "no-cache";
            },
        });
        if (app.Configuration.GetValue<bool>("Orleans:Dashboard"))
        {
            app.MapOrleansDashboard(routePrefix: "/orleans");
        }

        return app;
    }
}
