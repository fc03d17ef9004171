using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's record of idempotency keys: which injection each key made, kept for a day and at most
/// <see cref="Kept"/> keys, so that a client that lost an answer (a timeout, a 503) can retry without making
/// the faults twice, through any silo.
/// </summary>
public static class IdempotencyLog
{
    /// <summary>Most keys remembered.</summary>
    public const int Kept = 1000;

    /// <summary>How long a key is remembered.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// What a request asks, as a hash: two requests with the same fingerprint make the same faults. A fault's params
    /// are hashed in key order (ordinal), so that a retry that writes them in another order is the same request.
    /// </summary>
    public static string Fingerprint(IReadOnlyList<FaultRequest> requests, string? campaign)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var ordered = requests.Select(r => r?.Params is { } p ? r with { Params = new SortedDictionary<string, double>(p.ToDictionary(), StringComparer.Ordinal) } : r).ToArray();
        var json = JsonSerializer.SerializeToUtf8Bytes(new { campaign, requests = ordered }, Canonical);
        return Convert.ToHexString(SHA256.HashData(json));
    }

    /// <summary>The record of <paramref name="key"/>, if it is still remembered.</summary>
    public static IdempotencyRecord? Find(List<IdempotencyRecord> log, string key, DateTimeOffset now) =>
        log.FindLast(r => string.Equals(r.Key, key, StringComparison.Ordinal) && now - r.At < Retention);

    /// <summary>Adds a record, dropping what is older than the retention and the oldest beyond <see cref="Kept"/>.</summary>
    public static void Remember(List<IdempotencyRecord> log, IdempotencyRecord record)
    {
        log.RemoveAll(r => record.At - r.At >= Retention);
        log.Add(record);
        if (log.Count > Kept)
        {
            log.RemoveRange(0, log.Count - Kept);
        }
    }

    /// <summary>The ids of the faults a record's injection made.</summary>
    public static IEnumerable<string> FaultIds(IdempotencyRecord record)
    {
        for (var i = 0; i < record.Count; i++)
        {
            yield return FaultId(record.FirstId + i);
        }
    }

    /// <summary>
    /// The faults an earlier injection under a key made, as they are now: in force (<paramref name="live"/> answers
    /// one by id), or ended and still in the <paramref name="ended"/> history; one in neither is left out.
    /// </summary>
    public static List<Fault> Replay(IdempotencyRecord record, Func<string, Fault?> live, List<Fault> ended)
    {
        var replayed = new List<Fault>();
        foreach (var id in FaultIds(record))
        {
            if ((live(id) ?? ended.FindLast(f => f.Id == id)) is { } fault)
            {
                replayed.Add(fault);
            }
        }

        return replayed;
    }

    /// <summary>A fault's id from its sequence number.</summary>
    public static string FaultId(long number) => $"f-{number:D6}";
}
