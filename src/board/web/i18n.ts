// The page's words in English and Japanese, chosen by Accept-Language. Posts are never
// translated or altered: they are shown as typed.
export type Lang = 'en' | 'ja';

const en = {
  title: 'Sample BBS',
  label: 'Please write something and hit enter',
  post: 'Post',
  older: 'Older posts',
  newest: 'Newest posts',
  empty: 'No posts yet. Be the first to write something.',
  text_required: 'Nothing was posted: please write something.',
  text_empty: 'Nothing was posted: the text is empty or only spaces.',
  text_too_long: 'Nothing was posted: the text is longer than 255 characters.',
  text_invalid: 'Nothing was posted: the text contains characters that cannot be stored.',
  invalid_cursor: 'That page link is not valid. Showing the newest posts instead.',
  unavailable: 'The board cannot reach its app tier right now. Nothing you typed was lost; please try again in a moment.',
  unavailable_title: 'Temporarily unavailable',
  not_found: 'There is no such page on this board.',
  body_too_large: 'Nothing was posted: what was sent is larger than 16 KiB.',
  bad_request: 'Nothing was posted: the request could not be read.',
  not_a_form: "Nothing was posted: what was sent is not this board's form. Please write your post on this board's page.",
  internal: 'Something went wrong on the board. Please try again.',
  error_title: 'Error',
  cross_site: "Nothing was posted: the form was sent from another site. Please write your post on this board's own page.",
  already_posted:
    'This form was already used for an earlier post, which is stored (see the newest posts). Nothing new was posted; send your text again to post it as well.',
  bad_link: 'This address is not valid on this board.',
  uri_too_long: 'This address is too long for this board.',
  headers_too_large: 'The request could not be read: its headers are too large.',
  request_timeout: 'The request took too long to arrive. Nothing was posted; please try again.',
  method_not_allowed: 'This page cannot be used that way.',
  unreadable: 'The request could not be read.',
  shutting_down: 'The board is restarting. Nothing was posted; please try again in a moment.',
  expectation_failed: 'The request could not be read: it expects something this board does not do.',
};

const ja: typeof en = {
  title: 'サンプル掲示板',
  label: '何か書いて Enter キーを押してください',
  post: '投稿',
  older: '古い投稿',
  newest: '最新の投稿',
  empty: 'まだ投稿はありません。最初の投稿をどうぞ。',
  text_required: '投稿されませんでした。何か書いてください。',
  text_empty: '投稿されませんでした。空白だけの投稿はできません。',
  text_too_long: '投稿されませんでした。255 文字を超えています。',
  text_invalid: '投稿されませんでした。保存できない文字が含まれています。',
  invalid_cursor: 'ページのリンクが正しくありません。最新の投稿を表示しています。',
  unavailable: '現在、掲示板のアプリ層に接続できません。入力した内容は失われていません。しばらくしてから再度お試しください。',
  unavailable_title: '一時的に利用できません',
  not_found: 'そのページはこの掲示板にありません。',
  body_too_large: '投稿されませんでした。送信された内容が 16 KiB を超えています。',
  bad_request: '投稿されませんでした。リクエストを読み取れませんでした。',
  not_a_form: '投稿されませんでした。送信された内容はこの掲示板のフォームではありません。この掲示板のページから投稿してください。',
  internal: '掲示板でエラーが発生しました。もう一度お試しください。',
  error_title: 'エラー',
  cross_site: '投稿されませんでした。フォームが別のサイトから送信されました。この掲示板のページから投稿してください。',
  already_posted:
    'このフォームは以前の投稿ですでに使われ、その投稿は保存されています（最新の投稿をご覧ください）。新しい投稿はされていません。この内容も投稿するには、もう一度送信してください。',
  bad_link: 'このアドレスはこの掲示板では使えません。',
  uri_too_long: 'このアドレスはこの掲示板には長すぎます。',
  headers_too_large: 'リクエストを読み取れませんでした。ヘッダーが大きすぎます。',
  request_timeout: 'リクエストの到着に時間がかかりすぎました。投稿されていません。もう一度お試しください。',
  method_not_allowed: 'このページはその方法では使えません。',
  unreadable: 'リクエストを読み取れませんでした。',
  shutting_down: '掲示板は再起動中です。投稿されていません。しばらくしてから再度お試しください。',
  expectation_failed: 'リクエストを読み取れませんでした。この掲示板が対応していない動作を求めています。',
};

export type Messages = typeof en;
export type MessageKey = keyof Messages;
export const MESSAGES: Record<Lang, Messages> = { en, ja };

/** Picks the supported language with the highest q-value; English when none matches. */
export function pickLang(acceptLanguage: string | undefined): Lang {
  let best: Lang = 'en';
  let bestQ = 0;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    const primary = tag.split('-')[0];
    if ((primary === 'en' || primary === 'ja') && q > bestQ) {
      best = primary;
      bestQ = q;
    }
  }
  return best;
}
