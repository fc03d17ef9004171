using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OrleansCluster.Silo.Security;

/// <summary>
/// Authenticates admin calls by key: <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>. A missing or
/// wrong key is answered 401 with RFC 9457 problem details.
/// </summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AdminKey adminKey,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        if (Request.Headers.TryGetValue(HeaderName, out var header))
        {
            key = header.ToString();
        }
        else if (Request.Headers.Authorization.ToString() is { Length: > 7 } authorization
                 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }

        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!adminKey.Matches(key))
        {
            LogRejected(Logger, Request.Method, Request.Path, Context.Connection.RemoteIpAddress?.ToString());
            return Task.FromResult(AuthenticateResult.Fail("wrong admin key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"key:{adminKey.Fingerprint}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = $"this route needs the admin key: 'Authorization: Bearer KEY' or '{HeaderName}: KEY'",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit: rejected {Method} {Path} from {Remote}: wrong admin key")]
    private static partial void LogRejected(ILogger logger, string method, string path, string? remote);
}
