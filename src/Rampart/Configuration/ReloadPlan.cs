namespace Rampart.Configuration;

/// <summary>
/// What a reload (SIGHUP) may apply. Lists, domains, recipients, filters, certificates and routes are read by new
/// sessions and delivery attempts, so they change at once. What the process built once at start cannot: the data
/// folder and queue (open files, the delivery agent's limits and schedule), the listening sockets and their
/// connection limits, the host name (notices, the self-signed certificate), DNS (one resolver), the admin listener, the log set-up and
/// the rate-limit store. For those the reload keeps the running value and names the key, so that the administrator
/// knows a restart is still due; it names it again at every reload until then.
/// </summary>
public sealed record ReloadPlan(GatewayOptions Apply, IReadOnlyList<string> NeedRestart)
{
    /// <param name="started">The configuration the process started with (sockets, queue...).</param>
    /// <param name="running">The one in force now: a listener removed from the file keeps it.</param>
    /// <param name="next">The new configuration, already validated.</param>
    public static ReloadPlan Make(GatewayOptions started, GatewayOptions running, GatewayOptions next)
    {
        var keys = new List<string>();
        void Check<T>(string key, T was, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(was, now)) keys.Add(key);
        }

        Check("data_dir", started.DataDir, next.DataDir);
        Check("hostname", started.HostName, next.HostName);
        Check("log_level", started.LogLevel, next.LogLevel);
        Check("log_format", started.LogFormat, next.LogFormat);
        Check("cpu_scheduling", started.CpuScheduling, next.CpuScheduling);
        Check("socket_completions", started.SocketCompletions, next.SocketCompletions);
        Check("postmaster", started.Postmaster, next.Postmaster);
        Check("double_bounce", started.DoubleBounce, next.DoubleBounce);
        Check("rate_limit_store", started.RateLimitStore, next.RateLimitStore);
        Check("greylisting_store", started.GreylistingStore, next.GreylistingStore);
        Check("queue.max_connections", started.Queue.MaxConnections, next.Queue.MaxConnections);
        Check("queue.retry_initial", started.Queue.RetryInitial, next.Queue.RetryInitial);
        Check("queue.retry_max", started.Queue.RetryMax, next.Queue.RetryMax);
        Check("queue.max_queue_time", started.Queue.MaxQueueTime, next.Queue.MaxQueueTime);
        Check("queue.delay_warning", started.Queue.DelayWarning, next.Queue.DelayWarning);
        Check("queue.min_free_disk", started.Queue.MinFreeDisk, next.Queue.MinFreeDisk);
        Check("queue.min_free_memory", started.Queue.MinFreeMemory, next.Queue.MinFreeMemory);
        Check("dns.servers", started.Dns.ServerList, next.Dns.ServerList);
        Check("dns.timeout", started.Dns.Timeout, next.Dns.Timeout);
        Check("dns.cache_size", started.Dns.CacheSize, next.Dns.CacheSize);
        Check("admin", started.Admin, next.Admin);
        Check("tracking", started.Tracking, next.Tracking);

        var listeners = new List<ListenerOptions>();
        foreach (var was in started.Listeners)
        {
            var key = $"listeners.{was.Name}";
            if (next.Listeners.FirstOrDefault(l => l.Name == was.Name) is not { } now)
            {
                keys.Add($"{key} (removed; it stays open until a restart)");
                listeners.Add(running.Listeners.First(l => l.Name == was.Name));
                continue;
            }
            Check($"{key}.address", was.EndPoint.Address, now.EndPoint.Address);
            Check($"{key}.port", was.EndPoint.Port, now.EndPoint.Port);
            Check($"{key}.limits.max_connections", was.Limits.MaxConnections, now.Limits.MaxConnections);
            Check($"{key}.limits.max_connections_per_client", was.Limits.MaxConnectionsPerClient, now.Limits.MaxConnectionsPerClient);
            listeners.Add(now with
            {
                EndPoint = was.EndPoint,
                Limits = now.Limits with { MaxConnections = was.Limits.MaxConnections, MaxConnectionsPerClient = was.Limits.MaxConnectionsPerClient },
            });
        }
        foreach (var added in next.Listeners.Where(l => started.Listeners.All(s => s.Name != l.Name)))
        {
            keys.Add($"listeners.{added.Name} (new; it opens at a restart)");
        }

        var apply = next with
        {
            DataDir = started.DataDir,
            HostName = started.HostName,
            LogLevel = started.LogLevel,
            LogFormat = started.LogFormat,
            CpuScheduling = started.CpuScheduling,
            SocketCompletions = started.SocketCompletions,
            Postmaster = started.Postmaster,
            DoubleBounce = started.DoubleBounce,
            RateLimitStore = started.RateLimitStore,
            GreylistingStore = started.GreylistingStore,
            Queue = started.Queue,
            Dns = started.Dns,
            Admin = started.Admin,
            Tracking = started.Tracking,
            Listeners = listeners,
        };
        return new ReloadPlan(apply, keys);
    }
}
