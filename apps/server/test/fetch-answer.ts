// What the tests that talk real HTTP (fetch) read of an answer.

export interface Answer {
  status: number
  body: any
  headers: Headers
}

/** The answer read whole: its body parsed as JSON when it is JSON, else the text. */
export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body, headers: res.headers }
}
