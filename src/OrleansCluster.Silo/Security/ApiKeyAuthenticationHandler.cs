using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace OrleansCluster.Silo.Security;

/// <summary>
/// Authenticates admin calls by key: <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>. A missing or
/// wrong key is answered 401 with RFC 9457 problem details, which say which of the two it was; an address past its allowance of wrong keys gets 429
/// with <c>Retry-After</c> instead (see <see cref="FailedAuthentications"/>, which also writes the log lines).
/// </summary>
/// <remarks>
/// The base handler is given no logger: it would write two lines per request ("was not authenticated", "was
/// challenged"), which a flood of wrong keys turns into megabytes a second.
/// </remarks>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    UrlEncoder encoder,
    AdminKey adminKey,
    FailedAuthentications failures,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, NullLoggerFactory.Instance, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private const string RetryAfterKey = "auth.retry-after";
    private const string RefusedKey = "auth.refused";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null, from = null;
        if (Request.Headers.TryGetValue(HeaderName, out var header))
        {
            (key, from) = (header.ToString(), HeaderName);
        }
        else if (Request.Headers.Authorization.ToString() is { Length: > 7 } authorization
                 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            (key, from) = (authorization["Bearer ".Length..].Trim(), "Authorization: Bearer");
        }

        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!adminKey.Matches(key))
        {
            if (failures.Fail(Context.Connection.RemoteIpAddress?.ToString() ?? "local", Request.Method, Request.Path) is { } retryAfter)
            {
                Context.Items[RetryAfterKey] = retryAfter;
            }

            Context.Items[RefusedKey] = from;

            return Task.FromResult(AuthenticateResult.Fail("wrong admin key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"key:{adminKey.Fingerprint}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[RetryAfterKey] is TimeSpan retryAfter)
        {
            var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many wrong keys",
                    Detail = $"too many wrong admin keys from this address: retry in {seconds} s (the right key is still accepted)",
                },
            });
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                // A wrong key is told apart from none (found by a newcomer's probe: both read the same), by where it was
                // given: never the key itself, which a log or a screen would keep.
                Detail = Context.Items[RefusedKey] is string from
                    ? $"the key given in {from} was refused: it is not this silo's admin key (Admin:ApiKey, or the key the silo printed once at start)"
                    : $"this route needs the admin key: 'Authorization: Bearer KEY' or '{HeaderName}: KEY'",
            },
        });
    }
}
