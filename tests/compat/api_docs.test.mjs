// The examples of E2B's own docs, unchanged in spirit, against a real
// code-interpreter sandbox (API mode): run code and read stdout; upload a
// CSV, analyse it with pandas and get the chart back as a PNG; the
// elements extracted from a bar chart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '@e2b/code-interpreter'
import { API_MODE, API_ONLY, killAfter, pngSize, RUN, SHORT, LONG } from './helpers.mjs'

const sbx = API_MODE ? killAfter(await Sandbox.create({ metadata: { suite: RUN } })) : null

test('quickstart: print goes to execution.logs.stdout; state carries over', { ...LONG, ...API_ONLY }, async () => {
  const execution = await sbx.runCode('print("hello world")')
  // the kernel may send one print in pieces (its flush timer can fire
  // between "hello world" and "\n" on a loaded machine): compare the text
  assert.equal(execution.logs.stdout.join(''), 'hello world\n')
  assert.deepEqual(execution.logs.stderr, [])
  await sbx.runCode('x = 1')
  const next = await sbx.runCode('x += 1; x')
  assert.equal(next.text, '2')
})

test('upload a CSV, analyse it with pandas, get the chart back as a PNG', { ...LONG, ...API_ONLY }, async () => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun']
  const rows = months.map((m, i) => ({ month: m, revenue: 1000 + 250 * i, region: i % 2 ? 'north' : 'south' }))
  const csv = 'month,revenue,region\n' + rows.map((r) => `${r.month},${r.revenue},${r.region}`).join('\n') + '\n'
  await sbx.files.write('/home/user/sales.csv', csv)

  const execution = await sbx.runCode(
    'import pandas as pd\n' +
    'import matplotlib.pyplot as plt\n' +
    'df = pd.read_csv("/home/user/sales.csv")\n' +
    'print(df.shape)\n' +
    'print(df["revenue"].sum())\n' +
    'print(df.groupby("region")["revenue"].sum().to_dict())\n' +
    'df.plot(x="month", y="revenue", kind="line", title="Revenue by month")\n' +
    'plt.show()')
  assert.equal(execution.error, undefined, execution.error?.traceback)
  const sum = (region) => rows.filter((r) => !region || r.region === region).reduce((a, r) => a + r.revenue, 0)
  assert.equal(execution.logs.stdout.join(''),
    `(6, 3)\n${sum()}\n{'north': ${sum('north')}, 'south': ${sum('south')}}\n`)

  assert.equal(execution.results.length, 1)
  const chart = execution.results[0]
  const { width, height } = pngSize(chart.png)
  assert.ok(width >= 300 && height >= 200, `PNG is ${width}x${height}`)
  assert.equal(chart.chart?.type, 'line')
  assert.equal(chart.chart.title, 'Revenue by month')
  assert.equal(chart.chart.x_label, 'month')
  assert.deepEqual(chart.chart.elements, [
    { label: 'revenue', points: rows.map((r, i) => [i, r.revenue]) }
  ])
})

test('interactive charts: a bar chart and its extracted elements', { ...LONG, ...API_ONLY }, async () => {
  const code = `
import matplotlib.pyplot as plt

# Prepare data
categories = ['A', 'B', 'C', 'D']
values = [10, 20, 15, 25]

# Create and customize the bar chart
plt.figure(figsize=(10, 6))
plt.bar(categories, values, color='green')
plt.xlabel('Categories')
plt.ylabel('Values')
plt.title('Values by Category')

# Display the chart
plt.show()
`
  const execution = await sbx.runCode(code)
  assert.equal(execution.error, undefined, execution.error?.traceback)
  const result = execution.results[0]
  const chart = result.chart
  assert.equal(chart.type, 'bar')
  assert.equal(chart.title, 'Values by Category')
  assert.equal(chart.x_label, 'Categories')
  assert.equal(chart.y_label, 'Values')
  assert.equal(chart.x_unit, null)
  assert.equal(chart.y_unit, null)
  // An unlabelled bar container is "Group 0" in E2B's chart extraction.
  assert.deepEqual(chart.elements, [
    { label: 'A', group: 'Group 0', value: 10 },
    { label: 'B', group: 'Group 0', value: 20 },
    { label: 'C', group: 'Group 0', value: 15 },
    { label: 'D', group: 'Group 0', value: 25 }
  ])
  const { width, height } = pngSize(result.png)
  assert.ok(width > height, `a 10x6 figure is wider than tall: ${width}x${height}`)
})

test("quickstart: files.list('/') lists the sandbox's root", { ...SHORT, ...API_ONLY }, async () => {
  const files = await sbx.files.list('/')
  const names = files.map((e) => e.name)
  for (const dir of ['home', 'usr', 'tmp', 'etc']) assert.ok(names.includes(dir), `/${dir} in ${names}`)
  assert.equal(files.find((e) => e.name === 'home').type, 'dir')
})
