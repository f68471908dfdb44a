namespace Rampart.Configuration.Sections;

/// <summary>queue: delivery concurrency, the retry schedule, the queue lifetime, delay warnings and back pressure.</summary>
internal static class QueueSection
{
    public static QueueOptions Read(Section? s)
    {
        var d = new QueueOptions();
        if (s is null) return d;
        var warning = s.Duration("delay_warning", d.DelayWarning ?? TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromDays(30));
        var queue = new QueueOptions
        {
            MaxConnections = s.Int("max_connections", d.MaxConnections, 1, 10000),
            RetryInitial = s.Duration("retry_initial", d.RetryInitial, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
            RetryMax = s.Duration("retry_max", d.RetryMax, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
            MaxQueueTime = s.Duration("max_queue_time", d.MaxQueueTime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(60)),
            // 0s is how the file says never.
            DelayWarning = warning == TimeSpan.Zero ? null : warning,
            MinFreeDisk = s.Size("min_free_disk", d.MinFreeDisk, 0, long.MaxValue),
            MinFreeMemory = s.Size("min_free_memory", d.MinFreeMemory, 0, long.MaxValue),
        };
        if (queue.RetryMax < queue.RetryInitial) throw s.Error("retry_max", "must not be shorter than retry_initial");
        s.Finish();
        return queue;
    }
}
