using System.Text.Json.Nodes;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Tests.Scenarios;

public sealed class ScenarioLoaderTests
{
    private const string Valid = """
        {
          "name": "two",
          "job": { "flopsPerGpuPerStep": 1e14, "gradientBytes": 1e9 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "B200", "count": 3 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 100 } ]
        }
        """;

    [Fact]
    public void DefaultsAreFilledAndUnitsConvertedOnce()
    {
        var s = ScenarioLoader.Parse(Valid);

        Assert.Equal(1UL, s.Seed);
        Assert.Equal(new JobSpec(1e14, 1e9, 0.4, 0, 60, 100), s.Job);
        Assert.Equal(50e9, s.Sites[0].Fabric.BandwidthBytesPerSecond);
        Assert.Equal(8, s.Sites[0].GpusPerNode);
        Assert.Equal(0.02, s.Noise.ComputeCv);
        Assert.Equal(new StragglerSpec(0.10, 20), s.Stragglers);
        var link = Assert.Single(s.Links);
        Assert.Equal("a-b", link.Id);
        Assert.Equal(12.5e9, link.BandwidthBytesPerSecond);
        Assert.Equal(100e-6, link.NominalLatencySeconds, 12);
        Assert.Equal(5, s.NodeCount);
        Assert.Equal(40, s.GpuCount);
    }

    [Theory]
    [InlineData("\"generation\": \"B200\"", "\"generation\": \"H900\"", "sites[1].nodes[0].generation: unknown generation 'H900'")]
    [InlineData("\"count\": 3", "\"count\": -3", "sites[1].nodes[0].count: -3 must be >= 1")]
    [InlineData("\"to\": \"b\"", "\"to\": \"c\"", "links[0].to: unknown site 'c'")]
    [InlineData("\"to\": \"b\"", "\"to\": \"a\"", "links[0].to: a link joins two different sites")]
    [InlineData("\"flopsPerGpuPerStep\": 1e14", "\"flopsPerGpuPerStep\": 0", "job.flopsPerGpuPerStep: 0 must be > 0")]
    [InlineData("\"gradientBytes\": 1e9", "\"gradientBytes\": 1e9, \"mfu\": 1.5", "job.mfu: 1.5 must be within (0, 1]")]
    [InlineData("\"name\": \"b\"", "\"name\": \"a\"", "sites[1].name: duplicate site 'a'")]
    [InlineData("\"name\": \"two\"", "\"name\": \"two\", \"stragglers\": { \"topK\": 0 }", "stragglers.topK: 0 must be within [1, 1000]")]
    [InlineData("\"bandwidthGbps\": 100", "\"bandwidthGbps\": 100, \"colour\": \"red\"", "links[0].colour: unknown field")]
    [InlineData("\"links\": [ { \"from\": \"a\", \"to\": \"b\", \"distanceKm\": 20, \"bandwidthGbps\": 100 } ]", "\"links\": []", "links: the links must join all 2 sites (the all-reduce ring crosses them)")]
    [InlineData("\"bandwidthGbps\": 100 }", "\"bandwidthGbps\": 100 }, { \"from\": \"b\", \"to\": \"a\", \"distanceKm\": 20, \"bandwidthGbps\": 100 }", "links[1]: joins 'b' and 'a', as links[0] already does: one link per pair of sites, whichever way round")]
    [InlineData("\"bandwidthGbps\": 100 }", "\"bandwidthGbps\": 100 }, { \"name\": \"spare\", \"from\": \"a\", \"to\": \"b\", \"distanceKm\": 20, \"bandwidthGbps\": 100 }", "links[1]: joins 'a' and 'b', as links[0] already does: one link per pair of sites, whichever way round")]
    [InlineData("\"bandwidthGbps\": 100 }", "\"bandwidthGbps\": 100 }, { \"from\": \"a\", \"to\": \"b\", \"distanceKm\": 20, \"bandwidthGbps\": 100 }", "links[1]: duplicate link 'a-b'")]
    public void BadScenariosAreRefusedWithTheFieldNamed(string find, string replace, string expected)
    {
        var json = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json));

        Assert.Contains(expected, e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public void MalformedJsonNamesWhereItBroke()
    {
        var ok = ScenarioLoader.TryParse("{ \"name\": \"x\", \"job\": { \"mfu\": } }", out var scenario, out var errors);

        Assert.False(ok);
        Assert.Null(scenario);
        var error = Assert.Single(errors);
        Assert.Equal("job.mfu", error.Field);
        Assert.StartsWith("malformed JSON (line 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"name\": \"two\",", "\"name\": \"two\", \"seed\": -1,", "seed")] // an unsigned 64-bit integer
    [InlineData("\"count\": 3", "\"count\": 2147483648", "sites[1].nodes[0].count")] // one past int.MaxValue
    [InlineData("\"gradientBytes\": 1e9", "\"gradientBytes\": 1e9, \"mfu\": \"NaN\"", "job.mfu")] // numbers only as JSON numbers
    [InlineData("\"name\": \"two\",", "\"name\": \"two\", \"stragglers\": 5,", "stragglers")]
    public void ValidJsonThatItsFieldCannotHoldIsNotCalledMalformed(string find, string replace, string field)
    {
        var json = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.StartsWith("a value out of range or of the wrong type for this field (line ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMissingRequiredFieldIsReportedAtOnce()
    {
        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse("{}"));

        Assert.Equal(["name", "job", "sites"], e.Errors.Select(x => x.Field));
    }

    [Fact]
    public void ScenarioMayAddAGenerationAndUseIt()
    {
        var json = Valid
            .Replace("\"generation\": \"B200\"", "\"generation\": \"X9\"", StringComparison.Ordinal)
            .Replace("\"name\": \"two\",", "\"name\": \"two\", \"generations\": [ { \"name\": \"X9\", \"peakTflops\": 5000, \"hbmGb\": 288, \"hbmTbps\": 8, \"nvlinkGBps\": 1800, \"tdpWatts\": 1400 } ],", StringComparison.Ordinal);

        var s = ScenarioLoader.Parse(json);

        Assert.Equal(5e15, s.Sites[1].Nodes[0].Generation.PeakFlopsPerSecond);
    }

    [Fact]
    public void NewGenerationWithoutItsFiguresIsRefused()
    {
        var json = Valid.Replace("\"name\": \"two\",", "\"name\": \"two\", \"generations\": [ { \"name\": \"X9\" } ],", StringComparison.Ordinal);

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json));

        Assert.Contains(e.Errors, x => x.Field == "generations[0].peakTflops");
    }

    [Theory]
    [InlineData("peakTflops", 1e308)] // 1e320 FLOP/s overflows to infinity: every step took 0 s and the barrier threw
    [InlineData("peakTflops", 1.000001e6)]
    [InlineData("peakTflops", 1e-300)] // a step of 1e302 s or more: noise and outliers overflow it to infinity
    [InlineData("hbmGb", 1e308)]
    [InlineData("hbmTbps", 1e308)]
    [InlineData("nvlinkGBps", 1e308)]
    [InlineData("tdpWatts", 1e308)]
    public void AGenerationFigurePastItsBoundIsRefusedNamingIt(string field, double value)
    {
        var json = TestScenarios.PresetJson("small", d => d["generations"] = new JsonArray(new JsonObject { ["name"] = "H100", [field] = value }));

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json));

        Assert.Equal($"generations[0].{field}", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void GenerationFiguresAtTheirBoundsLoad()
    {
        var json = TestScenarios.PresetJson("small", d => d["generations"] = new JsonArray(
            new JsonObject { ["name"] = "H100", ["peakTflops"] = 1e6, ["hbmGb"] = 1e6, ["hbmTbps"] = 1e4, ["nvlinkGBps"] = 1e6, ["tdpWatts"] = 1e5 }));

        Assert.Equal(1e18, ScenarioLoader.Parse(json).Catalogue["H100"].PeakFlopsPerSecond);
    }

    [Theory]
    [InlineData("links[0].bandwidthGbps", 1e308)] // 1.25e316 B/s overflowed to infinity, and T_x lost its latency term
    [InlineData("links[0].bandwidthGbps", 1.000001e8)]
    [InlineData("sites[0].fabric.bandwidthGbps", 1e308)]
    [InlineData("sites[0].fabric.bandwidthGbps", 1.000001e7)]
    public void ABandwidthPastItsBoundIsRefusedNamingIt(string field, double value)
    {
        var json = TestScenarios.PresetJson("small", d => SetBandwidth(d, field, value));

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.EndsWith(field.StartsWith("links", StringComparison.Ordinal) ? "must be within (0, 1e8]" : "must be within (0, 1e7]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BandwidthsAtTheirBoundsLoad()
    {
        var json = TestScenarios.PresetJson("small", d =>
        {
            SetBandwidth(d, "links[0].bandwidthGbps", 1e8);
            SetBandwidth(d, "sites[0].fabric.bandwidthGbps", 1e7);
        });

        var s = ScenarioLoader.Parse(json);

        Assert.Equal(1.25e16, s.Links[0].BandwidthBytesPerSecond);
        Assert.Equal(1.25e15, s.Sites[0].Fabric.BandwidthBytesPerSecond);
    }

    private static void SetBandwidth(JsonObject document, string field, double value)
    {
        var owner = field.StartsWith("links", StringComparison.Ordinal) ? document["links"]![0]! : document["sites"]![0]!["fabric"]!;
        owner["bandwidthGbps"] = value;
    }

    [Fact]
    public void ALeaseOfASiteTheScenarioDoesNotHaveIsNamedAtLoadButParses()
    {
        // Parsed, since a what-if variant that drops a site keeps its lease; refused where a scenario is loaded to run.
        var scenario = TestScenarios.Preset("small", d => d["economics"] = JsonNode.Parse(
            """{ "gpuHourPrices": { "H100": 2 }, "leaseRevenuePerMonth": { "west": 1e6, "mars": 1e6 } }"""));

        var error = ScenarioLoader.UnknownLeaseSite(scenario);

        Assert.Equal("economics.leaseRevenuePerMonth.mars: unknown site 'mars' (sites: west, east)", error?.ToString());
        Assert.Null(ScenarioLoader.UnknownLeaseSite(ScenarioPresets.Load("colossus")));
    }
}
