-- CreateTable
CREATE TABLE "audit_tool_hours" (
    "tenant_id" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "upstream" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "calls" INTEGER NOT NULL,
    "denials" INTEGER NOT NULL,
    "approvals" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "latency_histogram" INTEGER[],

    CONSTRAINT "audit_tool_hours_pkey" PRIMARY KEY ("tenant_id","hour","upstream","tool")
);

-- AddForeignKey
ALTER TABLE "audit_tool_hours" ADD CONSTRAINT "audit_tool_hours_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Backfill: the tool calls already stored (the same grouping as AuditEventRepository).
INSERT INTO "audit_tool_hours" (tenant_id, hour, upstream, tool, calls, denials, approvals, errors, latency_histogram)
SELECT tenant_id, hour, upstream, tool, sum(n)::int, sum(denials)::int, sum(approvals)::int, sum(errors)::int,
       ARRAY[coalesce(sum(n) FILTER (WHERE bucket = 0), 0), coalesce(sum(n) FILTER (WHERE bucket = 1), 0), coalesce(sum(n) FILTER (WHERE bucket = 2), 0), coalesce(sum(n) FILTER (WHERE bucket = 3), 0), coalesce(sum(n) FILTER (WHERE bucket = 4), 0), coalesce(sum(n) FILTER (WHERE bucket = 5), 0), coalesce(sum(n) FILTER (WHERE bucket = 6), 0), coalesce(sum(n) FILTER (WHERE bucket = 7), 0), coalesce(sum(n) FILTER (WHERE bucket = 8), 0), coalesce(sum(n) FILTER (WHERE bucket = 9), 0), coalesce(sum(n) FILTER (WHERE bucket = 10), 0), coalesce(sum(n) FILTER (WHERE bucket = 11), 0), coalesce(sum(n) FILTER (WHERE bucket = 12), 0), coalesce(sum(n) FILTER (WHERE bucket = 13), 0), coalesce(sum(n) FILTER (WHERE bucket = 14), 0), coalesce(sum(n) FILTER (WHERE bucket = 15), 0), coalesce(sum(n) FILTER (WHERE bucket = 16), 0), coalesce(sum(n) FILTER (WHERE bucket = 17), 0), coalesce(sum(n) FILTER (WHERE bucket = 18), 0), coalesce(sum(n) FILTER (WHERE bucket = 19), 0), coalesce(sum(n) FILTER (WHERE bucket = 20), 0), coalesce(sum(n) FILTER (WHERE bucket = 21), 0), coalesce(sum(n) FILTER (WHERE bucket = 22), 0), coalesce(sum(n) FILTER (WHERE bucket = 23), 0), coalesce(sum(n) FILTER (WHERE bucket = 24), 0), coalesce(sum(n) FILTER (WHERE bucket = 25), 0), coalesce(sum(n) FILTER (WHERE bucket = 26), 0), coalesce(sum(n) FILTER (WHERE bucket = 27), 0), coalesce(sum(n) FILTER (WHERE bucket = 28), 0), coalesce(sum(n) FILTER (WHERE bucket = 29), 0), coalesce(sum(n) FILTER (WHERE bucket = 30), 0), coalesce(sum(n) FILTER (WHERE bucket = 31), 0), coalesce(sum(n) FILTER (WHERE bucket = 32), 0), coalesce(sum(n) FILTER (WHERE bucket = 33), 0), coalesce(sum(n) FILTER (WHERE bucket = 34), 0), coalesce(sum(n) FILTER (WHERE bucket = 35), 0), coalesce(sum(n) FILTER (WHERE bucket = 36), 0), coalesce(sum(n) FILTER (WHERE bucket = 37), 0), coalesce(sum(n) FILTER (WHERE bucket = 38), 0), coalesce(sum(n) FILTER (WHERE bucket = 39), 0), coalesce(sum(n) FILTER (WHERE bucket = 40), 0), coalesce(sum(n) FILTER (WHERE bucket = 41), 0), coalesce(sum(n) FILTER (WHERE bucket = 42), 0), coalesce(sum(n) FILTER (WHERE bucket = 43), 0), coalesce(sum(n) FILTER (WHERE bucket = 44), 0), coalesce(sum(n) FILTER (WHERE bucket = 45), 0), coalesce(sum(n) FILTER (WHERE bucket = 46), 0), coalesce(sum(n) FILTER (WHERE bucket = 47), 0), coalesce(sum(n) FILTER (WHERE bucket = 48), 0), coalesce(sum(n) FILTER (WHERE bucket = 49), 0), coalesce(sum(n) FILTER (WHERE bucket = 50), 0), coalesce(sum(n) FILTER (WHERE bucket = 51), 0), coalesce(sum(n) FILTER (WHERE bucket = 52), 0), coalesce(sum(n) FILTER (WHERE bucket = 53), 0), coalesce(sum(n) FILTER (WHERE bucket = 54), 0), coalesce(sum(n) FILTER (WHERE bucket = 55), 0), coalesce(sum(n) FILTER (WHERE bucket = 56), 0), coalesce(sum(n) FILTER (WHERE bucket = 57), 0), coalesce(sum(n) FILTER (WHERE bucket = 58), 0), coalesce(sum(n) FILTER (WHERE bucket = 59), 0), coalesce(sum(n) FILTER (WHERE bucket = 60), 0), coalesce(sum(n) FILTER (WHERE bucket = 61), 0), coalesce(sum(n) FILTER (WHERE bucket = 62), 0), coalesce(sum(n) FILTER (WHERE bucket = 63), 0), coalesce(sum(n) FILTER (WHERE bucket = 64), 0), coalesce(sum(n) FILTER (WHERE bucket = 65), 0), coalesce(sum(n) FILTER (WHERE bucket = 66), 0), coalesce(sum(n) FILTER (WHERE bucket = 67), 0), coalesce(sum(n) FILTER (WHERE bucket = 68), 0), coalesce(sum(n) FILTER (WHERE bucket = 69), 0), coalesce(sum(n) FILTER (WHERE bucket = 70), 0), coalesce(sum(n) FILTER (WHERE bucket = 71), 0), coalesce(sum(n) FILTER (WHERE bucket = 72), 0), coalesce(sum(n) FILTER (WHERE bucket = 73), 0), coalesce(sum(n) FILTER (WHERE bucket = 74), 0), coalesce(sum(n) FILTER (WHERE bucket = 75), 0), coalesce(sum(n) FILTER (WHERE bucket = 76), 0), coalesce(sum(n) FILTER (WHERE bucket = 77), 0), coalesce(sum(n) FILTER (WHERE bucket = 78), 0), coalesce(sum(n) FILTER (WHERE bucket = 79), 0), coalesce(sum(n) FILTER (WHERE bucket = 80), 0), coalesce(sum(n) FILTER (WHERE bucket = 81), 0), coalesce(sum(n) FILTER (WHERE bucket = 82), 0), coalesce(sum(n) FILTER (WHERE bucket = 83), 0), coalesce(sum(n) FILTER (WHERE bucket = 84), 0)]::int[]
  FROM (SELECT tenant_id, date_trunc('hour', time, 'UTC') AS hour, coalesce(upstream, '') AS upstream, tool,
               width_bucket(latency_ms, '{1,2,3,4,5,6,7,8,10,12,14,16,20,23,27,32,39,46,54,64,77,91,108,128,153,182,216,256,305,363,431,512,609,725,862,1024,1218,1449,1723,2048,2436,2897,3445,4096,4871,5793,6889,8192,9742,11586,13778,16384,19484,23171,27555,32768,38968,46341,55109,65536,77936,92682,110218,131072,155872,185364,220436,262144,311744,370728,440872,524288,623488,741456,881744,1048576,1246975,1482911,1763488,2097152,2493949,2965821,3526976,4194304}'::int[]) AS bucket, count(*) AS n,
               count(*) FILTER (WHERE decision = 'deny') AS denials,
               count(*) FILTER (WHERE decision = 'require_approval') AS approvals,
               count(*) FILTER (WHERE outcome IN ('error', 'upstream_error', 'timed_out')) AS errors
          FROM audit_events
         WHERE kind = 'mcp' AND tool IS NOT NULL
         GROUP BY 1, 2, 3, 4, 5) AS buckets
 GROUP BY tenant_id, hour, upstream, tool;
