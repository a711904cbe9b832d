// A worker service that counts primes in a ProcessPool: `dotnet run --project samples/Hosting -- --Batches=3`.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Hosting;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddProcessPool(); // options from ParallelGen:Pools:ProcessPool in appsettings.json
builder.Services.AddHealthChecks().AddProcessPoolCheck();
builder.Services.AddHostedService<PrimeCounter>();
builder.Build().Run();
