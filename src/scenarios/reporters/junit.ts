/**
 * The JUnit XML reporter, for CI systems that show test results (GitHub Actions via a JUnit action, GitLab,
 * Jenkins): one testsuite, one testcase per scenario, a <failure> for a failed check, an <error> when the
 * scenario could not run, <skipped/> after --bail.
 */
import { formatDuration } from '../../duration.js';
import type { Failure, RunReport, ScenarioResult } from '../results.js';

/** Escapes text for XML and drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function describeFailure(f: Failure, s: ScenarioResult): string {
  const step = f.step !== null ? s.steps[f.step - 1] : undefined;
  const where = step ? `step ${step.index} (${step.label}) at +${formatDuration(step.at_ms)}` : 'setup';
  return `${where}: ${f.message}${f.hint ? `\n  hint: ${f.hint}` : ''}`;
}

function testcase(s: ScenarioResult): string {
  const classname = s.file.replace(/\.(ya?ml|json)$/i, '').replace(/[/\\]/g, '.');
  const open = `    <testcase name="${xmlEscape(s.name)}" classname="${xmlEscape(classname)}" file="${xmlEscape(s.file)}" time="${seconds(s.duration_ms)}"`;
  if (s.status === 'passed') return `${open}/>`;
  if (s.status === 'skipped') return `${open}>\n      <skipped message="not run: an earlier scenario failed and --bail was given"/>\n    </testcase>`;
  const tag = s.status === 'error' ? 'error' : 'failure';
  const first = s.failures[0];
  const message = first ? first.message : 'failed';
  const body = s.failures.map((f) => describeFailure(f, s)).join('\n');
  return `${open}>\n      <${tag} message="${xmlEscape(message)}" type="${s.status === 'error' ? 'ScenarioError' : 'ExpectationFailed'}">${xmlEscape(body)}</${tag}>\n    </testcase>`;
}

/** The report as JUnit XML. */
export function junitReport(report: RunReport): string {
  const { summary } = report;
  const counts = `tests="${summary.total}" failures="${summary.failed}" errors="${summary.errors}" skipped="${summary.skipped}" time="${seconds(report.duration_ms)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="paycli scenarios" ${counts}>`,
    `  <testsuite name="paycli scenarios" ${counts}>`,
    `    <properties>\n      <property name="seed" value="${xmlEscape(report.seed)}"/>\n      <property name="sandbox" value="${report.sandbox}"/>\n    </properties>`,
    ...report.scenarios.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
