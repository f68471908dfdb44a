/*
 * commit-sync.c — what one spool commit's durability costs on a file system, by the ways it could be made durable.
 * Built and run by bench/commit-sync.sh (which explains the output). Plain C so that the figure is the kernel's and the
 * disk's alone, with no runtime of ours in it.
 *
 * Each commit does what Rampart's MessageWriter.CommitAsync does: open a spare file, overwrite it with one message
 * (4,751 bytes: a 4 KiB message, its envelope and trailer), close it, rename it from spare/ into active/; then one of
 *   0 syncfs   syncfs(2) on the spool, as Rampart's group commit does (every dirty page of the file system)
 *   1 file     fsync(2) of the file after the rename (enough on a journalling ext4, XFS or btrfs, where it commits the
 *              rename's transaction; not on ext4 without a journal)
 *   2 dirs     fsync of the file, then of active/ and spare/ (what a file system without a journal needs: both
 *              directories, or a crash may leave the file in both)
 * and, with "dirty" > 0, appends that many KiB to a log file before each commit, as a gateway's log and tracking
 * database do between two commits. Between commits the file is renamed back to spare/, unsynced, as delivery does.
 * Prints p50, p90 and p99 of the commit's time in microseconds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void must(int ok, const char *what)
{
    if (!ok) { perror(what); exit(1); }
}

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: commit-sync DIR MODE(0|1|2) COMMITS DIRTY_KIB\n"); return 2; }
    const char *dir = argv[1];
    int mode = atoi(argv[2]), n = atoi(argv[3]), dirty = atoi(argv[4]);
    if (mode < 0 || mode > 2 || n < 10 || n > 1000000 || dirty < 0 || dirty > 1024) { fprintf(stderr, "commit-sync: bad arguments\n"); return 2; }
    must(chdir(dir) == 0, "chdir");
    must(mkdir("spare", 0700) == 0 && mkdir("active", 0700) == 0, "mkdir");
    static char message[4751], log_block[1024];
    memset(message, 'x', sizeof message);
    memset(log_block, 'l', sizeof log_block);
    enum { spares = 64 };
    for (int i = 0; i < spares; i++)
    {
        char path[64];
        snprintf(path, sizeof path, "spare/%d", i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        must(fd >= 0 && write(fd, message, sizeof message) == (ssize_t)sizeof message && close(fd) == 0, "spare");
    }
    sync();
    int spool = open(".", O_RDONLY | O_DIRECTORY), active = open("active", O_RDONLY | O_DIRECTORY), spare = open("spare", O_RDONLY | O_DIRECTORY);
    int log = open("log", O_WRONLY | O_CREAT | O_APPEND, 0600);
    must(spool >= 0 && active >= 0 && spare >= 0 && log >= 0, "open");
    double *took = malloc(n * sizeof *took);
    must(took != NULL, "malloc");
    for (int i = 0; i < n; i++)
    {
        char from[64], to[64];
        snprintf(from, sizeof from, "spare/%d", i % spares);
        snprintf(to, sizeof to, "active/%d", i % spares);
        for (int k = 0; k < dirty; k++) must(write(log, log_block, sizeof log_block) == (ssize_t)sizeof log_block, "log");
        double start = now_us();
        int fd = open(from, O_WRONLY);
        must(fd >= 0 && pwrite(fd, message, sizeof message, 0) == (ssize_t)sizeof message, "write");
        if (mode == 0) must(close(fd) == 0, "close");
        must(rename(from, to) == 0, "rename");
        if (mode == 0) must(syncfs(spool) == 0, "syncfs");
        else
        {
            must(fsync(fd) == 0 && close(fd) == 0, "fsync");
            if (mode == 2) must(fsync(active) == 0 && fsync(spare) == 0, "fsync dirs");
        }
        took[i] = now_us() - start;
        must(rename(to, from) == 0, "rename back");
    }
    qsort(took, n, sizeof *took, by_value);
    printf("%.0f %.0f %.0f\n", took[n / 2], took[n * 9 / 10], took[n * 99 / 100]);
    return 0;
}
