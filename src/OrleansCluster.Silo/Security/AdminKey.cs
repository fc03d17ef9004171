using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansCluster.Silo.Security;

/// <summary>
/// The admin key this silo accepts: <c>Admin:ApiKey</c>, or a random one generated at start and printed once.
/// Keys are compared as SHA-256 digests with a fixed-time comparison, so neither content nor length leaks.
/// </summary>
public sealed partial class AdminKey
{
    private readonly byte[] _digest;

    public AdminKey(IOptions<AdminOptions> options, ILogger<AdminKey> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = options.Value.ApiKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            key = Base64Url(RandomNumberGenerator.GetBytes(24));
            LogGenerated(logger, key);
        }

        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        Fingerprint = Convert.ToHexStringLower(_digest.AsSpan(0, 4));
    }

    /// <summary>A short, non-secret name for the key, used in the audit log.</summary>
    public string Fingerprint { get; }

    /// <summary>Whether <paramref name="candidate"/> is the admin key.</summary>
    public bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), _digest);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Warning, Message = "no Admin:ApiKey configured; this silo's admin key, shown once: {Key}")]
    private static partial void LogGenerated(ILogger logger, string key);
}
