/* The machine's own limits, measured in the same run as the comparison:
 *   pipe ping-pong round trip between two processes (1-byte messages), median in microseconds;
 *   memcpy bandwidth on touched 64 MiB buffers, in GB/s.
 * Prints one JSON object. Built by benchmarks/compare with `cc -O2`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    enum { ROUNDS = 20000 };
    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        char c;
        while (read(to_child[0], &c, 1) == 1) {
            if (write(to_parent[1], &c, 1) != 1) break;
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    static double samples[ROUNDS];
    char c = 'x';
    for (int i = 0; i < ROUNDS; i++) {
        double t = now();
        if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1) return 1;
        samples[i] = (now() - t) * 1e6;
    }
    close(to_child[1]);
    waitpid(pid, NULL, 0);
    qsort(samples, ROUNDS, sizeof(double), compare);

    size_t size = 64u << 20;
    char *src = malloc(size), *dst = malloc(size);
    memset(src, 1, size);
    memset(dst, 2, size);
    double best = 0;
    for (int i = 0; i < 10; i++) {
        double t = now();
        memcpy(dst, src, size);
        double gbs = size / 1e9 / (now() - t);
        if (gbs > best) best = gbs;
        src[i] = dst[size - 1 - i]; /* keep the copies observable */
    }
    printf("{\"pipe_pingpong_us\": %.2f, \"memcpy_gb_s\": %.2f, \"check\": %d}\n", samples[ROUNDS / 2], best, src[3]);
    free(src);
    free(dst);
    return 0;
}
