using Microsoft.Net.Http.Headers;
using Orleans.Dashboard;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// The live page at <c>/</c>: static files from <c>wwwroot</c>, open like <c>/healthz</c>; the figures it shows come
/// from <c>/api</c>, which keeps its key (the page sends the key the user typed). Static files are only files:
/// nothing under <c>/api</c> is one, so serving them opens nothing else. <c>/page.json</c>, as open, tells the page
/// what this silo serves beside it (<c>{"orleansDashboard":true}</c>), so that it shows a link only where one leads.
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
        var dashboard = app.Configuration.GetValue<bool>("Orleans:Dashboard");
        if (dashboard)
        {
            app.MapOrleansDashboard(routePrefix: "/orleans");
        }

        // Found by a newcomer's run: the page probed /orleans/ with HEAD, which the dashboard answers 405 (so the link
        // never showed) and a silo without it 404 (a failed request in the console on every load).
        var page = $$"""{"orleansDashboard":{{(dashboard ? "true" : "false")}}}""";
        app.MapMethods("/page.json", ["GET", "HEAD"], (HttpContext context) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            return Results.Text(page, "application/json", System.Text.Encoding.UTF8);
        }).ExcludeFromDescription();

        return app;
    }
}
