using ParallelGen;

namespace Primes;

/// <summary>The work: CPU-bound, a plain static method, marked to run in worker processes.</summary>
public static class PrimeMath
{
    /// <summary>Counts the primes in [<paramref name="start"/>, <paramref name="end"/>) by trial division.</summary>
    [ProcessTask]
    public static int CountPrimes(int start, int end)
    {
        int count = 0;
        for (int n = Math.Max(start, 2); n < end; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsPrime(int n)
    {
        if (n < 4)
        {
            return n >= 2;
        }

        if (n % 2 == 0)
        {
            return false;
        }

        for (int divisor = 3; (long)divisor * divisor <= n; divisor += 2)
        {
            if (n % divisor == 0)
            {
                return false;
            }
        }

        return true;
    }
}
