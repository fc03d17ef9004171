using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Cli;

/// <summary>
/// The admin API read through the records the silo answers with (<c>OrleansCluster.Abstractions</c>), with the
/// silo's JSON options (<see cref="ApiJson"/>: camelCase names, enums as camelCase strings).
/// </summary>
public static class SiloApi
{
    /// <summary>The environment variable the CLI reads the admin key from when <c>--key</c> is not given.</summary>
    public const string KeyVariable = "ORLEANSCLUSTER_KEY";

    /// <summary>The silo's own JSON options (<see cref="ApiJson"/>).</summary>
    public static JsonSerializerOptions Json { get; } = ApiJson.Create();

    public static async Task<ClusterStatus> ClusterAsync(HttpClient admin, CancellationToken cancellationToken) =>
        await GetAsync<ClusterStatus>(admin, "/api/cluster", cancellationToken);

    /// <summary>The last step's straggler report; null while the silo says it is not known yet (503: no step evaluated since the job's tree was laid out).</summary>
    public static async Task<StragglerReport?> StragglersAsync(HttpClient admin, int top, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var path = $"/api/stragglers?top={top}";
        using var response = await admin.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }

        await ThrowIfRefusedAsync(response, HttpMethod.Get, path, cancellationToken);
        return await response.Content.ReadFromJsonAsync<StragglerReport>(Json, cancellationToken);
    }

    public static async Task<IReadOnlyList<StepRecord>> StepsAsync(HttpClient admin, int count, CancellationToken cancellationToken) =>
        await GetAsync<StepRecord[]>(admin, $"/api/job/steps?count={count}", cancellationToken);

    public static async Task<T> GetAsync<T>(HttpClient admin, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        using var response = await admin.GetAsync(path, cancellationToken);
        await ThrowIfRefusedAsync(response, HttpMethod.Get, path, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    /// <summary>A GET whose answer is a page of a list: the page and the list's count before paging (<c>X-Total-Count</c>; -1 without it).</summary>
    public static async Task<(T Page, long Total)> GetPageAsync<T>(HttpClient admin, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        using var response = await admin.GetAsync(path, cancellationToken);
        await ThrowIfRefusedAsync(response, HttpMethod.Get, path, cancellationToken);
        var total = response.Headers.TryGetValues("X-Total-Count", out var values) && long.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : -1;
        return ((await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!, total);
    }

    /// <summary>Sends a mutation; throws <see cref="InvalidOperationException"/> when the silo refuses it.</summary>
    public static async Task<string> SendAsync(HttpClient admin, HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await admin.SendAsync(request, cancellationToken);
        await ThrowIfRefusedAsync(response, method, path, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>
    /// Asks for the admin key's acceptance before a command runs, so that a missing or wrong key is "could not run"
    /// (exit 2, naming <c>--key</c>) rather than a run whose every call failed.
    /// </summary>
    public static async Task CheckKeyAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        using var response = await admin.GetAsync("/api/cluster", cancellationToken);
        await ThrowIfRefusedAsync(response, HttpMethod.Get, "/api/cluster", cancellationToken);
    }

    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // The client's default headers are on the request as sent: none (or an empty key) is no key given.
            var silo = response.RequestMessage?.RequestUri?.GetLeftPart(UriPartial.Authority);
            throw new KeyRefusedException(string.IsNullOrWhiteSpace(response.RequestMessage?.Headers.Authorization?.Parameter)
                ? $"no admin key was given, and {silo} needs one ({(int)response.StatusCode}): pass it with --key KEY or set {KeyVariable} (a silo without Admin:ApiKey logs the key it generated at start)"
                : $"{silo} refused the admin key ({(int)response.StatusCode}): pass it with --key KEY or set {KeyVariable}");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}

/// <summary>The silo refused the admin key (401 or 403): the command cannot run.</summary>
public sealed class KeyRefusedException(string message) : Exception(message);
