/** The page at / until the command-centre web app lands: what runs, and where to look. */
export function landingPage(): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>清仓 qingcang</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;line-height:1.6}code{background:#f3f3f3;padding:0 .3em}</style>
</head><body>
<h1>清仓 qingcang</h1>
<p>疫情处置指挥平台 · outbreak-response command platform.</p>
<p>指挥中心网页尚未上线；目前提供 API。The command-centre web app is not built yet; the API is.</p>
<ul>
<li><a href="/api/docs">/api/docs</a> — OpenAPI 接口文档 / API documentation</li>
<li><a href="/api/health">/api/health</a> — 健康检查 / health</li>
<li><a href="/api/stats">/api/stats</a> — 区划、人口、隔离资源统计 / registry and resource counts</li>
<li><a href="/api/areas">/api/areas</a> — 行政区划 / administrative areas</li>
<li><a href="/api/persons?limit=20">/api/persons</a> — 人员（脱敏）/ people (masked)</li>
</ul>
</body></html>`;
}
