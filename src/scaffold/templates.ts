/**
 * The registry of `paycli init` templates: which framework and language each serves, which template
 * layers (folders under src/scaffold/templates/) it is made of, and its package.json. Layers are applied in
 * order; a later layer's file replaces an earlier one's at the same path.
 */
import { PaycliError } from '../errors.js';

export const FRAMEWORKS = ['express', 'fastify', 'nextjs'] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export const LANGUAGES = ['ts', 'js'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The PSP protocol the app speaks: paycli's native API, or another PSP's through its own SDK. */
export const PSPS = ['paycli', 'alipay', 'wechatpay', 'stripe'] as const;
export type Psp = (typeof PSPS)[number];

export const FRAMEWORK_LABELS: Record<Framework, string> = {
  express: 'Express',
  fastify: 'Fastify',
  nextjs: 'Next.js (App Router route handlers)',
};
export const LANGUAGE_LABELS: Record<Language, string> = { ts: 'TypeScript', js: 'JavaScript' };

/** Versions of the generated apps' dependencies, in one place. */
const V = {
  express: '^5.1.0',
  typesExpress: '^5.0.3',
  fastify: '^5.4.0',
  next: '^16.0.0',
  react: '^19.2.0',
  typesReact: '^19.2.0',
  standardwebhooks: '^1.1.1',
  alipaySdk: '^4.14.0',
  wechatpayAxiosPlugin: '^0.9.6',
  stripe: '^23.0.0',
  typescript: '^5.9.3',
  tsx: '^4.20.0',
  typesNode: '^20.19.0',
} as const;

export interface PackageJson {
  name: string;
  version: string;
  private: true;
  type?: 'module';
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export interface TemplateSpec {
  id: string;
  /** Which PSP protocol the app speaks (default `paycli`). */
  psp?: Psp;
  framework: Framework;
  language: Language;
  /** Folders under src/scaffold/templates/, applied in order. */
  layers: string[];
  /** How relative imports end in this template's source: `.js` for Node ESM, empty for bundlers. */
  importExt: string;
  /** The command that runs the compiled app (what CI starts before replaying scenarios). */
  startCommand: string;
  /** Whether `--ci` can add the GitHub Actions workflow (default true). */
  ci?: boolean;
  packageJson(name: string, paycliVersion: string): PackageJson;
}

const NODE_ENGINE = '>=20.12';
const SCENARIOS = 'paycli scenario run scenarios --builtin conformance';

function base(name: string): Omit<PackageJson, 'scripts' | 'dependencies' | 'devDependencies'> {
  return { name, version: '0.1.0', private: true, engines: { node: NODE_ENGINE } };
}

/** The scripts of a plain Node server written in TypeScript (Express, Fastify). */
const NODE_TS_SCRIPTS = {
  dev: 'tsx watch src/server.ts',
  build: 'tsc -p tsconfig.build.json',
  start: 'node dist/server.js',
  typecheck: 'tsc --noEmit',
  test: 'node --import tsx --test test/*.test.ts',
  'test:scenarios': SCENARIOS,
};

export const TEMPLATES: readonly TemplateSpec[] = [
  {
    id: 'express-ts',
    framework: 'express',
    language: 'ts',
    layers: ['shared', 'node-ts', 'core-ts', 'express-ts'],
    importExt: '.js',
    startCommand: 'npm start',
    packageJson: (name, paycli) => ({
      ...base(name),
      type: 'module',
      scripts: NODE_TS_SCRIPTS,
      dependencies: { express: V.express, standardwebhooks: V.standardwebhooks },
      devDependencies: { '@types/express': V.typesExpress, '@types/node': V.typesNode, paycli, tsx: V.tsx, typescript: V.typescript },
    }),
  },
  {
    id: 'express-js',
    framework: 'express',
    language: 'js',
    layers: ['shared', 'core-js', 'express-js'],
    importExt: '.js',
    startCommand: 'npm start',
    packageJson: (name, paycli) => ({
      ...base(name),
      type: 'module',
      scripts: {
        dev: 'node --watch src/server.js',
        start: 'node src/server.js',
        test: 'node --test test/',
        'test:scenarios': SCENARIOS,
      },
      dependencies: { express: V.express, standardwebhooks: V.standardwebhooks },
      devDependencies: { paycli },
    }),
  },
  {
    id: 'fastify-ts',
    framework: 'fastify',
    language: 'ts',
    layers: ['shared', 'node-ts', 'core-ts', 'fastify-ts'],
    importExt: '.js',
    startCommand: 'npm start',
    packageJson: (name, paycli) => ({
      ...base(name),
      type: 'module',
      scripts: NODE_TS_SCRIPTS,
      dependencies: { fastify: V.fastify, standardwebhooks: V.standardwebhooks },
      devDependencies: { '@types/node': V.typesNode, paycli, tsx: V.tsx, typescript: V.typescript },
    }),
  },
  {
    id: 'nextjs-ts',
    framework: 'nextjs',
    language: 'ts',
    layers: ['shared', 'core-ts', 'nextjs-ts'],
    importExt: '',
    startCommand: 'npm start',
    packageJson: (name, paycli) => ({
      ...base(name),
      scripts: {
        dev: 'next dev',
        build: 'next build',
        start: 'next start',
        typecheck: 'tsc --noEmit',
        test: 'node --import tsx --test test/*.test.ts',
        'test:scenarios': SCENARIOS,
      },
      dependencies: { next: V.next, react: V.react, 'react-dom': V.react, standardwebhooks: V.standardwebhooks },
      devDependencies: { '@types/node': V.typesNode, '@types/react': V.typesReact, paycli, tsx: V.tsx, typescript: V.typescript },
    }),
  },
];

/**
 * Apps that speak another PSP's protocol through its own SDK (`paycli init --psp <name>`), kept apart from
 * TEMPLATES, which are the apps on paycli's native API.
 */
export const PSP_TEMPLATES: readonly TemplateSpec[] = [
  {
    id: 'alipay-express-js',
    psp: 'alipay',
    framework: 'express',
    language: 'js',
    layers: ['alipay-express-js'],
    importExt: '.js',
    startCommand: 'npm start',
    // No generated workflow yet: the app's scenario sets run with `paycli scenario run --builtin alipay`.
    ci: false,
    packageJson: (name, paycli) => ({
      ...base(name),
      type: 'module',
      scripts: { dev: 'node --watch src/server.js', start: 'node src/server.js', test: 'node --test test/' },
      dependencies: { 'alipay-sdk': V.alipaySdk, express: V.express },
      devDependencies: { paycli },
    }),
  },
  {
    id: 'wechatpay-express-js',
    psp: 'wechatpay',
    framework: 'express',
    language: 'js',
    layers: ['wechatpay-express-js'],
    importExt: '.js',
    startCommand: 'npm start',
    // No generated workflow yet: the app's scenario sets run with `paycli scenario run --builtin wechatpay`.
    ci: false,
    packageJson: (name, paycli) => ({
      ...base(name),
      type: 'module',
      scripts: { dev: 'node --watch src/server.js', start: 'node src/server.js', test: 'node --test test/' },
      dependencies: { express: V.express, 'wechatpay-axios-plugin': V.wechatpayAxiosPlugin },
      devDependencies: { paycli },
    }),
  },
  {
    id: 'stripe-express-js',
    psp: 'stripe',
    framework: 'express',
    language: 'js',
    layers: ['stripe-express-js'],
    importExt: '.js',
    startCommand: 'npm start',
    // No generated workflow yet: the app's scenario sets run with `paycli scenario run --builtin stripe`.
    ci: false,
    packageJson: (name, paycli) => ({
      ...base(name),
      type: 'module',
      scripts: { dev: 'node --watch src/server.js', start: 'node src/server.js', test: 'node --test test/' },
      dependencies: { express: V.express, stripe: V.stripe },
      devDependencies: { paycli },
    }),
  },
];

/** The template for a framework and language, or a usage error listing the ones that exist. */
export function findTemplate(framework: string, language: string, psp: string = 'paycli'): TemplateSpec {
  if (!(PSPS as readonly string[]).includes(psp)) {
    throw new PaycliError('invalid_usage', `Unknown PSP "${psp}".`, { hint: `Use --psp ${PSPS.join('|')}.` });
  }
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    throw new PaycliError('invalid_usage', `Unknown framework "${framework}".`, { hint: `Use --framework ${FRAMEWORKS.join('|')}.` });
  }
  if (!(LANGUAGES as readonly string[]).includes(language)) {
    throw new PaycliError('invalid_usage', `Unknown language "${language}".`, { hint: `Use --language ${LANGUAGES.join('|')}.` });
  }
  const t = [...TEMPLATES, ...PSP_TEMPLATES].find((x) => x.framework === framework && x.language === language && (x.psp ?? 'paycli') === psp);
  if (!t && psp !== 'paycli') {
    const have = PSP_TEMPLATES.filter((x) => x.psp === psp).map((x) => `${FRAMEWORK_LABELS[x.framework]} (${LANGUAGE_LABELS[x.language]})`);
    throw new PaycliError('invalid_usage', `There is no ${LANGUAGE_LABELS[language as Language]} ${FRAMEWORK_LABELS[framework as Framework]} template for ${psp} yet.`, {
      hint: `--psp ${psp} is available for: ${have.join(', ')}.`,
    });
  }
  if (!t) {
    const langs = languagesFor(framework as Framework).map((l) => LANGUAGE_LABELS[l]);
    throw new PaycliError('invalid_usage', `There is no ${LANGUAGE_LABELS[language as Language]} template for ${FRAMEWORK_LABELS[framework as Framework]} yet.`, {
      hint: `${FRAMEWORK_LABELS[framework as Framework]} is available in: ${langs.join(', ')}.`,
    });
  }
  return t;
}

/** The languages a framework has a template in. */
export function languagesFor(framework: Framework): Language[] {
  return TEMPLATES.filter((t) => t.framework === framework).map((t) => t.language);
}
