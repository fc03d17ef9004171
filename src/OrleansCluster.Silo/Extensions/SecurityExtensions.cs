using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Security;

namespace OrleansCluster.Silo.Extensions;

/// <summary>The admin API's guard: key authentication, rate limiting of mutations, body size limits.</summary>
internal static class SecurityExtensions
{
    public const string AdminPolicy = "admin";
    public const string MutationLimit = "mutations";

    public static WebApplicationBuilder AddAdminSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration("Admin").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<FaultLimits>().BindConfiguration("Admin").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AdminKey>();
        builder.Services.AddHostedService<AdminKeyAtStart>();
        builder.Services.AddSingleton<FailedAuthentications>();
        builder.Services.AddSingleton<FaultMutationLimiter>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser());

        var admin = builder.Configuration.GetSection("Admin").Get<AdminOptions>() ?? new AdminOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = admin.MaxBodyBytes);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(MutationLimit, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.Identity?.Name ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = admin.MutationBurst,
                    TokensPerPeriod = admin.MutationsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                        Title = "Too many requests",
                        // One bucket per admin key on each silo (the partition is the key's name): every client using the key shares it.
                        Detail = $"admin mutations are limited to {admin.MutationsPerSecond}/s (burst {admin.MutationBurst}) per admin key on this silo, shared by every client using the key",
                    },
                });
            };
        });
        return builder;
    }
}
