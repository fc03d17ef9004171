using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using OrleansCluster.Silo.Extensions;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// The HTTP addresses the silo refuses before it starts (<see cref="HttpUrls"/>), host names included: Kestrel listens on
/// every interface for any host name but <c>localhost</c>, never looking it up, so a name of no address of this machine
/// is refused. The look-up is given here, so that no test asks a DNS server.
/// </summary>
public sealed class HttpUrlsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://127.0.0.1:0")] // a port the kernel picks
    [InlineData("http://127.0.0.1")] // port 80
    [InlineData("http://unix:/tmp/orleanscluster.sock")]
    [InlineData("http://127.0.0.1:8080; http://127.0.0.1:8081")]
    public void AnAddressKestrelCanListenOnIsTaken(string urls) => Assert.Null(HttpUrls.Refusal(urls, "--urls", Unreachable));

    [Theory]
    [InlineData("127.0.0.1:8080", "is not a URL (http://HOST:PORT)")]
    [InlineData("http://127.0.0.1:http", "is not a URL (http://HOST:PORT)")] // a port that is not a number
    [InlineData("http://127.0.0.1:8080/base", "is not a URL (http://HOST:PORT)")] // Kestrel takes no path base
    [InlineData("http://127.0.0.1:-1", "has port -1, out of range (0 to 65535)")]
    [InlineData("http://127.0.0.1:65536", "has port 65536, out of range (0 to 65535)")]
    public void AnAddressThatIsNotAUrlOrWhosePortIsOutOfRangeIsRefusedNamingIt(string url, string fault)
    {
        var refusal = HttpUrls.Refusal($"http://127.0.0.1:8080;{url}", "ASPNETCORE_URLS", Unreachable);

        Assert.Equal($"the silo did not start: ASPNETCORE_URLS '{url}' {fault}", refusal);
    }

    [Fact]
    public void AHostNameOfAnAddressOfThisMachineIsTaken() =>
        Assert.Null(HttpUrls.Refusal("http://silo.test:8080", "--urls", _ => [IPAddress.Parse("192.0.2.7"), IPAddress.Loopback]));

    [Fact]
    public void AHostNameOfNoAddressOfThisMachineIsRefusedWithWhatItResolvesTo()
    {
        var refusal = HttpUrls.Refusal("http://elsewhere.test:8080", "--urls", _ => [IPAddress.Parse("192.0.2.7")]);

        Assert.Equal(
            "the silo did not start: --urls 'http://elsewhere.test:8080' names host 'elsewhere.test', which resolves to 192.0.2.7, not an address of this machine: give 127.0.0.1, another address of this machine, or 0.0.0.0 for every interface",
            refusal);
    }

    [Fact]
    public void AHostNameThatDoesNotResolveIsRefused()
    {
        var refusal = HttpUrls.Refusal("http://nowhere.test:8080", "--urls", Unreachable);

        Assert.StartsWith("the silo did not start: --urls 'http://nowhere.test:8080' names host 'nowhere.test', which does not resolve: ", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8080")]
    [InlineData("0")] // a port the kernel picks
    [InlineData("8080;8081")]
    [InlineData(" 8080 ; 8081; ")] // Kestrel trims each and skips the empty
    public void PortsKestrelCanListenOnAreTaken(string ports) => Assert.Null(HttpUrls.PortsRefusal(ports, "ASPNETCORE_HTTP_PORTS"));

    [Theory]
    [InlineData("abc", "'abc' is not a port (a whole number from 0 to 65535; several separated by ';')")]
    [InlineData("8080,8081", "'8080,8081' is not a port (a whole number from 0 to 65535; several separated by ';')")]
    [InlineData("8080 8081", "'8080 8081' is not a port (a whole number from 0 to 65535; several separated by ';')")]
    [InlineData("8080/base", "'8080/base' is not a port (a whole number from 0 to 65535; several separated by ';')")]
    [InlineData("65536", "'65536' is out of range (0 to 65535)")]
    [InlineData("-1", "'-1' is out of range (0 to 65535)")]
    [InlineData("8080;abc", "'8080;abc': 'abc' is not a port (a whole number from 0 to 65535; several separated by ';')")]
    [InlineData("8080;99999", "'8080;99999': '99999' is out of range (0 to 65535)")]
    public void PortsThatAreNotPortsAreRefusedNamingTheSettingAndThePort(string ports, string fault) =>
        Assert.Equal($"the silo did not start: ASPNETCORE_HTTP_PORTS {fault}", HttpUrls.PortsRefusal(ports, "ASPNETCORE_HTTP_PORTS"));

    [Theory]
    [InlineData("http_ports")]
    [InlineData("https_ports")]
    public void WithoutUrlsTheHttpAndHttpsPortsAreCheckedAndWithThemNot(string key)
    {
        var ports = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = "http" }).Build();
        var urlsToo = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = "http", ["urls"] = "http://127.0.0.1:8080" }).Build();

        Assert.Equal($"the silo did not start: {key} 'http' is not a port (a whole number from 0 to 65535; several separated by ';')", HttpUrls.Refusal(ports, []));
        Assert.Equal($"the silo did not start: --{key} 'http' is not a port (a whole number from 0 to 65535; several separated by ';')", HttpUrls.Refusal(ports, [$"--{key}=http"]));
        Assert.Null(HttpUrls.Refusal(urlsToo, [])); // Kestrel reads no port where urls are set
    }

    [Fact]
    public void AnHttpsAddressWithNoCertificateIsRefusedNamingWhatWouldDo()
    {
        // Found by probing: --urls https://... with no certificate loaded the scenario, then died as Kestrel started
        // (185 lines, exit code 134).
        var none = Settings();

        var refusal = HttpUrls.HttpsRefusal(none, "--urls", "https://127.0.0.1:8443", developmentCertificate: () => false);

        Assert.Equal(
            "the silo did not start: --urls 'https://127.0.0.1:8443' is https, and no certificate is configured: give one "
            + "(Kestrel:Certificates:Default:Path, with :KeyPath or :Password), create the development certificate "
            + "(dotnet dev-certs https), or listen on http",
            refusal);
    }

    [Fact]
    public void AnHttpsAddressIsTakenWithACertificateConfiguredOrTheDevelopmentOneOrKestrelsOwnEndpointsAndHttpNeedsNone()
    {
        var certificate = Settings(("Kestrel:Certificates:Default:Path", "/etc/silo/cert.pem"));
        var endpoints = Settings(("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:8443"));

        Assert.Null(HttpUrls.HttpsRefusal(certificate, "--urls", "https://127.0.0.1:8443", developmentCertificate: () => false));
        Assert.Null(HttpUrls.HttpsRefusal(endpoints, "--urls", "https://127.0.0.1:8443", developmentCertificate: () => false));
        Assert.Null(HttpUrls.HttpsRefusal(Settings(), "--urls", "https://127.0.0.1:8443", developmentCertificate: () => true));
        Assert.Null(HttpUrls.HttpsRefusal(Settings(), "--urls", https: null, developmentCertificate: () => false));
    }

    [Fact]
    public void TheHttpsAddressOfAListOrTheHttpsPortsBesideHttpPortsAreTheOnesChecked()
    {
        // With no development certificate in the user's store (a fresh HOME has none), the https entry of a list is
        // refused; the https ports only beside http ports: alone, the silo's own default URL wins over them.
        var list = Settings(("urls", "http://127.0.0.1:8080;https://127.0.0.1:8443"));
        var ports = Settings(("http_ports", "8080"), ("https_ports", "8443"));
        var httpsAlone = Settings(("https_ports", "8443"));

        var listRefusal = HttpUrls.Refusal(list, []);
        var portsRefusal = HttpUrls.Refusal(ports, []);

        if (listRefusal is not null)
        {
            Assert.StartsWith("the silo did not start: urls 'https://127.0.0.1:8443' is https, and no certificate", listRefusal, StringComparison.Ordinal);
            Assert.StartsWith("the silo did not start: https_ports '8443' is https, and no certificate", portsRefusal, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(portsRefusal); // this user has a development certificate: both are taken
        }

        Assert.Null(HttpUrls.Refusal(httpsAlone, []));
        Assert.Null(HttpUrls.Refusal(Settings(("urls", "http://127.0.0.1:8080")), []));
    }

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static IPAddress[] Unreachable(string host) => throw new SocketException((int)SocketError.HostNotFound);
}
