// Compile-only stub for `make android-kotlin`: androidx.lifecycle:lifecycle-livedata-core 2.8.7,
// only the members the app calls.
package androidx.lifecycle;

public class MutableLiveData<T> extends LiveData<T> {
  public MutableLiveData(T value) {
    super(value);
  }

  public MutableLiveData() {
    super();
  }

  @Override
  public void postValue(T value) {}

  @Override
  public void setValue(T value) {}
}
