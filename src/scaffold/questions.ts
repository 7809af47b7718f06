/**
 * The questions `paycli init` asks for whatever the flags left open. The prompt functions are injected,
 * so the command passes @inquirer/prompts and tests pass scripted answers.
 */
import { FRAMEWORKS, FRAMEWORK_LABELS, LANGUAGE_LABELS, languagesFor, type Framework, type Language } from './templates.js';

export interface Choice<T> {
  name: string;
  value: T;
}

/** The subset of @inquirer/prompts that init uses. */
export interface PromptApi {
  select<T>(config: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  input(config: { message: string; default?: string }): Promise<string>;
  confirm(config: { message: string; default?: boolean }): Promise<boolean>;
}

export interface InitAnswers {
  framework: Framework;
  language: Language;
  dir: string;
  ci: boolean;
}

export const DEFAULT_ANSWERS: InitAnswers = { framework: 'express', language: 'ts', dir: '.', ci: true };

/**
 * Fills the answers the flags did not give: asks through `prompt`, or takes the defaults when `prompt` is
 * null (no terminal, or --yes). A framework with a single language does not ask for one.
 */
export async function completeAnswers(given: Partial<InitAnswers>, prompt: PromptApi | null): Promise<InitAnswers> {
  const framework =
    given.framework ??
    (prompt
      ? await prompt.select<Framework>({
          message: 'Framework',
          choices: FRAMEWORKS.map((f) => ({ name: FRAMEWORK_LABELS[f], value: f })),
          default: DEFAULT_ANSWERS.framework,
        })
      : DEFAULT_ANSWERS.framework);
  const languages = languagesFor(framework);
  const fallbackLanguage = languages.includes(DEFAULT_ANSWERS.language) ? DEFAULT_ANSWERS.language : languages[0]!;
  const language =
    given.language ??
    (prompt && languages.length > 1
      ? await prompt.select<Language>({
          message: 'Language',
          choices: languages.map((l) => ({ name: LANGUAGE_LABELS[l], value: l })),
          default: fallbackLanguage,
        })
      : fallbackLanguage);
  const dir = given.dir ?? (prompt ? (await prompt.input({ message: 'Target directory', default: DEFAULT_ANSWERS.dir })).trim() || '.' : DEFAULT_ANSWERS.dir);
  const ci = given.ci ?? (prompt ? await prompt.confirm({ message: 'Add a GitHub Actions workflow that replays payment scenarios?', default: true }) : DEFAULT_ANSWERS.ci);
  return { framework, language, dir, ci };
}
