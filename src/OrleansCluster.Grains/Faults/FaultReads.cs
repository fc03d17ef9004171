using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's reads: its faults as they stand at the time given (pending, in force, or expired once their end has
/// passed: <see cref="FaultBook.AsOf"/>), from the book of live faults and the history of ended ones. Pure: the grain
/// answers what this returns.
/// </summary>
internal static class FaultReads
{
    /// <summary>
    /// The live faults, with the ended ones when <paramref name="includeEnded"/>: those an operator injected first, then
    /// background failures, each by id. Found by review: ordered by id alone, background ids (<c>bg…</c>) came before
    /// injected ones (<c>f-…</c>), so with a few hundred background failures in force an operator's own fault was off
    /// the first page, and off the live page, which shows that one.
    /// </summary>
    public static Fault[] List(FaultBook book, IEnumerable<Fault> history, bool includeEnded, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        var faults = book.Faults.Select(f => FaultBook.AsOf(f, now));
        if (includeEnded)
        {
            faults = faults.Concat(history);
        }

        return faults.OrderBy(f => f.Source == BackgroundIntake.Source).ThenBy(f => f.Id, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The fault with <paramref name="id"/>, live or ended; null when neither holds it.</summary>
    public static Fault? Find(FaultBook book, IEnumerable<Fault> history, string id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.Find(id) is { } live ? FaultBook.AsOf(live, now) : history.FirstOrDefault(f => f.Id == id);
    }

    /// <summary>The live faults on <paramref name="node"/>.</summary>
    public static Fault[] OnNode(FaultBook book, string node, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.OnNode(node).Select(f => FaultBook.AsOf(f, now)).ToArray();
    }

    /// <summary>The live faults on <paramref name="link"/>.</summary>
    public static Fault[] OnLink(FaultBook book, string link, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.OnLink(link).Select(f => FaultBook.AsOf(f, now)).ToArray();
    }

    /// <summary>The live faults of every link that has any, by link.</summary>
    public static Dictionary<string, IReadOnlyList<Fault>> ByLink(FaultBook book, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.Links.ToDictionary(link => link, IReadOnlyList<Fault> (link) => OnLink(book, link, now), StringComparer.Ordinal);
    }
}
