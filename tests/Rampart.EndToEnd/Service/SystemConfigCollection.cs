namespace Rampart.EndToEnd.Service;

/// <summary>
/// The tests that touch or depend on /etc/rampart/rampart.yaml, the file every verb reads when no --config is given:
/// the package test installs it, and <see cref="EmbeddedDefaultTests"/> runs `rampart run` without --config expecting
/// the embedded default. xunit runs a collection with parallelization disabled alone, after the parallel ones, so no
/// other test of this assembly runs while the package is installed. Every other test passes --config (tests run as
/// root, in parallel, on a machine that may have the package); one that cannot must join this collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SystemConfigCollection
{
    public const string Name = "system configuration in /etc/rampart";
}
