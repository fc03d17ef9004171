namespace OrleansCluster.Model.Scenarios;

// job: the direct mode of DESIGN.md section 1 (flopsPerGpuPerStep, gradientBytes) or the model shape of
// section 7.1 (model, parallelism, comm), never both.
public static partial class ScenarioLoader
{
    private static JobSpec? ReadJob(JobDocument? job, Action<string, string> fail)
    {
        if (job is null)
        {
            fail("job", "required");
            return null;
        }

        var model = job.Model is null ? null : ReadModel(job.Model, fail);
        if (model is null)
        {
            ReadDirect(job, fail);
            foreach (var (field, given) in new[] { ("job.parallelism", job.Parallelism is not null), ("job.comm", job.Comm is not null) })
            {
                Check(!given, field, "only with job.model (the direct mode has no model shape to split)", fail);
            }
        }
        else
        {
            foreach (var (field, given) in new[] { ("job.flopsPerGpuPerStep", job.FlopsPerGpuPerStep is not null), ("job.gradientBytes", job.GradientBytes is not null) })
            {
                Check(!given, field, "must be absent with job.model: the model shape sets the work and the traffic", fail);
            }
        }

        var mfu = job.Mfu ?? 0.4;
        Check(mfu is > 0 and <= 1, "job.mfu", $"{mfu} must be within (0, 1]", fail);
        var overlap = job.CommOverlap ?? 0;
        Check(overlap is >= 0 and <= 1, "job.commOverlap", $"{overlap} must be within [0, 1]", fail);
        var timeout = job.BarrierTimeoutSeconds ?? 60;
        Check(timeout is > 0 and <= 86_400, "job.barrierTimeoutSeconds", $"{timeout} must be within (0, 86400]", fail);
        var checkpoint = job.CheckpointEverySteps ?? 100;
        Check(checkpoint is >= 1 and <= 1_000_000, "job.checkpointEverySteps", $"{checkpoint} must be within [1, 1000000]", fail);

        var restart = job.RestartSeconds ?? 0;
        Check(restart is >= 0 and <= 86_400, "job.restartSeconds", $"{restart} must be within [0, 86400]", fail);
        var checkpointCost = job.CheckpointSeconds ?? 0;
        Check(checkpointCost is >= 0 and <= 86_400, "job.checkpointSeconds", $"{checkpointCost} must be within [0, 86400]", fail);

        var tensor = job.Parallelism?.Tensor ?? 1;
        Check(tensor is >= 1 and <= 1024, "job.parallelism.tensor", $"{tensor} must be within [1, 1024]", fail);
        var pipeline = job.Parallelism?.Pipeline ?? 1;
        Check(pipeline is >= 1 and <= 1024, "job.parallelism.pipeline", $"{pipeline} must be within [1, 1024]", fail);
        var bucket = job.Comm?.BucketMegabytes ?? 25;
        Check(bucket is >= 1e-6 and <= 1e6, "job.comm.bucketMegabytes", $"{bucket} must be within [1e-6, 1e6] (a bucket holds at least one byte)", fail);
        var every = job.Comm?.InterSiteEverySteps ?? 1;
        Check(every is >= 1 and <= 1_000_000, "job.comm.interSiteEverySteps", $"{every} must be within [1, 1000000]", fail);
        var balance = job.Balance switch
        {
            null or "equal" => WorkBalance.Equal,
            "proportional" => WorkBalance.Proportional,
            _ => WorkBalance.Equal,
        };
        Check(job.Balance is null or "equal" or "proportional", "job.balance", $"'{job.Balance}' must be 'equal' or 'proportional'", fail);

        return new JobSpec(job.FlopsPerGpuPerStep ?? 0, job.GradientBytes ?? 0, mfu, overlap, timeout, checkpoint)
        {
            Model = model,
            Parallelism = new Parallelism(tensor, pipeline),
            BucketBytes = bucket * 1e6,
            InterSiteEverySteps = every,
            Balance = balance,
            RestartSeconds = restart,
            CheckpointSeconds = checkpointCost,
        };
    }

    private static void ReadDirect(JobDocument job, Action<string, string> fail)
    {
        var flops = job.FlopsPerGpuPerStep;
        if (flops is null)
        {
            fail("job.flopsPerGpuPerStep", "required (or give job.model)");
        }
        else
        {
            Check(flops > 0 && double.IsFinite(flops.Value), "job.flopsPerGpuPerStep", $"{flops} must be > 0", fail);
        }

        var gradient = job.GradientBytes;
        if (gradient is null)
        {
            fail("job.gradientBytes", "required (or give job.model)");
        }
        else
        {
            Check(gradient >= 0 && double.IsFinite(gradient.Value), "job.gradientBytes", $"{gradient} must be >= 0", fail);
        }
    }

    private static ModelShape? ReadModel(ModelDocument model, Action<string, string> fail)
    {
        var parameters = model.Parameters;
        if (parameters is null)
        {
            fail("job.model.parameters", "required");
        }
        else
        {
            Check(parameters is >= 1 and <= 1e15, "job.model.parameters", $"{parameters} must be within [1, 1e15]", fail);
        }

        var active = model.ActiveParameters ?? parameters ?? 0;
        Check(active >= 1 && active <= (parameters ?? double.PositiveInfinity), "job.model.activeParameters", $"{active} must be within [1, parameters]", fail);
        var tokens = model.TokensPerStep;
        if (tokens is null)
        {
            fail("job.model.tokensPerStep", "required");
        }
        else
        {
            Check(tokens is >= 1 and <= 1e12, "job.model.tokensPerStep", $"{tokens} must be within [1, 1e12]", fail);
        }

        var bytes = model.GradientBytesPerParameter ?? 2;
        Check(bytes is > 0 and <= 16, "job.model.gradientBytesPerParameter", $"{bytes} must be within (0, 16]", fail);
        return new ModelShape(parameters ?? 0, active, tokens ?? 0, bytes);
    }

    // Every site holds whole replicas: a replica spans TP x PP GPUs.
    private static void CheckWholeReplicas(JobSpec? job, List<SiteSpec> sites, Action<string, string> fail)
    {
        if (job is null || job.Parallelism.GpusPerReplica < 1)
        {
            return; // already refused
        }

        var replica = job.Parallelism.GpusPerReplica;
        for (var i = 0; i < sites.Count; i++)
        {
            var gpus = sites[i].GpuCount;
            Check(gpus % replica == 0, "job.parallelism", $"sites[{i}] ('{sites[i].Name}') holds {gpus} GPUs, not a multiple of tensor x pipeline = {replica}: every site holds whole replicas", fail);
        }
    }
}
