using Harmonia.LoadGenerator;

// The C# half of bench/load.sh: what wrk cannot do (seed MongoDB with the product's documents, sign users in,
// send at a fixed rate, count a million distinct requests, submit jobs, flood sign-ins, hold notification streams). Every command prints one RESULT line
// that the script reads; see docs/benchmarks.md.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Harmonia.LoadGenerator seed|login|rate|cold-keys|jobs-rate|jobs-burst|jobs-reset|login-flood|notify-fanout --option value ...");
    return 2;
}

var options = Options.Parse(args[1..]);
using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

return args[0] switch
{
    "seed" => await Seeder.RunAsync(options),
    "login" => await Logins.RunAsync(options, stopping.Token),
    "rate" => await FixedRate.RunAsync(options, stopping.Token),
    "cold-keys" => await ColdKeys.RunAsync(options, stopping.Token),
    "jobs-rate" => await JobsLoad.RunAtRateAsync(options, stopping.Token),
    "jobs-burst" => await JobsLoad.RunBurstAsync(options, stopping.Token),
    "jobs-reset" => await JobsLoad.ResetAsync(options, stopping.Token),
    "login-flood" => await LoginFlood.RunAsync(options, stopping.Token),
    "notify-fanout" => await NotificationFanOut.RunAsync(options, stopping.Token),
    _ => throw new ArgumentException($"Unknown command '{args[0]}'."),
};
