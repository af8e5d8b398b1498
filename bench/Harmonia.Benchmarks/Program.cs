using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Harmonia.Benchmarks;

// In process: the benchmarks need the Redis and jongodb that bench/micro.sh started, and a generated child project
// would have to build against this repository's central package versions and warnings-as-errors for nothing.
// --smoke runs every benchmark once (BenchmarkDotNet's Dry job), to keep them working; it measures nothing, so it may
// run a Debug build (the test suite's, bench/micro.sh --configuration Debug --no-build).
var smoke = args.Contains("--smoke");
var job = (smoke ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
var config = DefaultConfig.Instance
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(smoke ? ConfigOptions.JoinSummary | ConfigOptions.DisableOptimizationsValidator : ConfigOptions.JoinSummary);

var summaries = BenchmarkSwitcher.FromAssembly(typeof(ProfileReadBenchmarks).Assembly).Run([.. args.Where(arg => arg != "--smoke")], config);

// BenchmarkDotNet reports a benchmark that threw as NA and still exits 0; a script (and CI's smoke test) must see it fail.
return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
