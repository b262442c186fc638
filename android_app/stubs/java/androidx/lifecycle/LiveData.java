// Compile-only stub for `make android-kotlin`: androidx.lifecycle:lifecycle-livedata-core 2.8.7,
// only the members the app calls.
package androidx.lifecycle;

import androidx.annotation.NonNull;
import androidx.annotation.Nullable;

public abstract class LiveData<T> {
  public LiveData(T value) {}

  public LiveData() {}

  public void observe(@NonNull LifecycleOwner owner, @NonNull Observer<? super T> observer) {}

  @Nullable
  public T getValue() {
    throw new UnsupportedOperationException("stub");
  }

  protected void postValue(T value) {}

  protected void setValue(T value) {}
}
